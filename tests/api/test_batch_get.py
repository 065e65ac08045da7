"""BatchGetItem: per-table reads, projections, limits, messages, capacity and UnprocessedKeys."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import create_table, raises, unique


def k(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


@pytest.fixture(scope="module")
def stocked(client: Any) -> Any:
    """Two tables holding items a0..a4 (table 1) and b0..b2 (table 2)."""
    first, second = create_table(client), create_table(client)
    for i in range(5):
        client.put_item(TableName=first, Item={"pk": {"S": f"a{i}"}, "v": {"N": str(i)}, "w": {"S": "x"}})
    for i in range(3):
        client.put_item(TableName=second, Item={"pk": {"S": f"b{i}"}, "v": {"N": str(i)}})
    yield first, second
    client.delete_table(TableName=first)
    client.delete_table(TableName=second)


def test_reads_across_tables(client: Any, stocked: Any) -> None:
    # Found items come back per table; missing ones are silently absent; UnprocessedKeys is {}.
    first, second = stocked
    response = client.batch_get_item(
        RequestItems={first: {"Keys": [k("a1"), k("a3"), k("nope")]}, second: {"Keys": [k("b2")]}}
    )
    assert response["UnprocessedKeys"] == {}
    assert sorted(i["pk"]["S"] for i in response["Responses"][first]) == ["a1", "a3"]
    assert response["Responses"][second] == [{"pk": {"S": "b2"}, "v": {"N": "2"}}]


def test_table_without_hits_is_an_empty_list(client: Any, stocked: Any) -> None:
    # A table whose keys all miss still appears in Responses, with [].
    first, _ = stocked
    assert client.batch_get_item(RequestItems={first: {"Keys": [k("nope")]}})["Responses"] == {first: []}


def test_projection_per_table(client: Any, stocked: Any) -> None:
    # Each table has its own projection; keys are not added; an item the projection empties is {}.
    first, second = stocked
    response = client.batch_get_item(
        RequestItems={
            first: {"Keys": [k("a1")], "ProjectionExpression": "#v", "ExpressionAttributeNames": {"#v": "v"}},
            second: {"Keys": [k("b1")], "ProjectionExpression": "missing_attr"},
        }
    )
    assert response["Responses"] == {first: [{"v": {"N": "1"}}], second: [{}]}


def test_capacity_sums_per_item_units(client: Any, stocked: Any) -> None:
    # Per-item units are summed per table without re-rounding: 3 eventual reads = 1.5, 2 strong = 2.
    first, second = stocked
    response = client.batch_get_item(
        RequestItems={
            first: {"Keys": [k("a0"), k("a1"), k("a2")]},
            second: {"Keys": [k("b0"), k("b1")], "ConsistentRead": True},
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == [
        {"TableName": first, "CapacityUnits": 1.5},
        {"TableName": second, "CapacityUnits": 2.0},
    ]


def test_empty_request_items(client: Any) -> None:
    # An empty RequestItems map is a length violation, in the 2026 unvalued wording.
    with raises(
        "ValidationException",
        "1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: Member must have "
        "length greater than or equal to 1",
    ):
        client.batch_get_item(RequestItems={})


@pytest.mark.parametrize(
    "count, rule", [(0, "greater than or equal to 1"), (101, "less than or equal to 100")]
)
def test_keys_length(client: Any, stocked: Any, count: int, rule: str) -> None:
    # Keys must hold 1..100 keys; the message names the PascalCase path and echoes no value.
    first, _ = stocked
    with raises(
        "ValidationException",
        f"1 validation error detected: Value at 'RequestItems.{first}.member.Keys' failed to satisfy constraint: "
        f"Member must have length {rule}",
    ):
        client.batch_get_item(RequestItems={first: {"Keys": [k(f"x{i}") for i in range(count)]}})


def test_more_than_100_keys_across_tables(client: Any, stocked: Any) -> None:
    # At most 100 keys per call in total, checked before the tables exist.
    first, _ = stocked
    missing = unique("missing")
    with raises("ValidationException", "Too many items requested for the BatchGetItem call"):
        client.batch_get_item(
            RequestItems={
                first: {"Keys": [k(f"x{i}") for i in range(51)]},
                missing: {"Keys": [k(f"y{i}") for i in range(50)]},
            }
        )
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.batch_get_item(RequestItems={missing: {"Keys": [k(f"y{i}") for i in range(100)]}})


def test_bad_table_name_echoes_json(client: Any) -> None:
    # BatchGetItem echoes the RequestItems map as JSON in the map-key message.
    with raises(
        "ValidationException",
        '1 validation error detected: Value \'{"bad!name":{"Keys":[{"pk":{"S":"a"}}]}}\' at \'requestItems\' '
        "failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or "
        "equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression "
        "pattern: [a-zA-Z0-9_.-]+]",
    ):
        client.batch_get_item(RequestItems={"bad!name": {"Keys": [k("a")]}})


def test_duplicate_keys(client: Any, stocked: Any) -> None:
    # The same key twice in one table is refused, whatever the attribute order.
    name = create_table(client, range_key=("sk", "S"))
    keys = [{"pk": {"S": "a"}, "sk": {"S": "b"}}, {"sk": {"S": "b"}, "pk": {"S": "a"}}]
    with raises("ValidationException", "Provided list of item keys contains duplicates"):
        client.batch_get_item(RequestItems={name: {"Keys": keys}})
    client.delete_table(TableName=name)


def test_key_schema_mismatch(client: Any, stocked: Any) -> None:
    # A key that does not fit the table's schema is refused.
    first, _ = stocked
    with raises("ValidationException", "The provided key element does not match the schema"):
        client.batch_get_item(RequestItems={first: {"Keys": [{"pk": {"N": "1"}}]}})


def test_unknown_table(client: Any, stocked: Any) -> None:
    # One unknown table fails the whole request.
    first, _ = stocked
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.batch_get_item(
            RequestItems={first: {"Keys": [k("a1")]}, unique("missing"): {"Keys": [k("a")]}}
        )


def test_bad_projection_fails_before_reading(client: Any, stocked: Any) -> None:
    # A projection error in any table's block rejects the request, even if no key would match.
    first, second = stocked
    with raises("ValidationException", 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'):
        client.batch_get_item(
            RequestItems={
                first: {"Keys": [k("nope")]},
                second: {"Keys": [k("nope")], "ProjectionExpression": "!!"},
            }
        )


def test_table_arn_keys_the_response(client: Any, stocked: Any) -> None:
    # A table addressed by ARN is answered under the ARN, as sent.
    first, _ = stocked
    arn = client.describe_table(TableName=first)["Table"]["TableArn"]
    response = client.batch_get_item(RequestItems={arn: {"Keys": [k("a1")]}})
    assert list(response["Responses"]) == [arn]
    assert response["Responses"][arn][0]["pk"] == {"S": "a1"}


@pytest.mark.slow
def test_16_mb_cap_returns_unprocessed_keys(client: Any) -> None:
    # Past 16 MB of item data the remaining keys come back in UnprocessedKeys, with the table's read parameters.
    name = create_table(client)
    blob = "x" * 380_000
    keys = [k(f"i{i:03d}") for i in range(60)]
    for start in range(0, 60, 20):
        client.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {**key, "blob": {"S": blob}}}} for key in keys[start : start + 20]
                ]
            }
        )
    response = client.batch_get_item(
        RequestItems={name: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "pk"}}
    )
    returned = response["Responses"][name]
    left = response["UnprocessedKeys"][name]
    assert 40 <= len(returned) < 60
    assert len(returned) + len(left["Keys"]) == 60
    assert left["ConsistentRead"] is True and left["ProjectionExpression"] == "pk"
    again = client.batch_get_item(RequestItems=response["UnprocessedKeys"])
    assert len(again["Responses"][name]) == len(left["Keys"]) and again["UnprocessedKeys"] == {}
    client.delete_table(TableName=name)
