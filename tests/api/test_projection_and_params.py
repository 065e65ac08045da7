"""ProjectionExpression on GetItem, and the request-level rules for expression parameters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import raises

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731
ONE = "1 validation error detected: "


@pytest.fixture(scope="module")
def seeded(client: Any, table: str) -> dict[str, Any]:
    key = {"pk": S(uuid.uuid4().hex)}
    client.put_item(
        TableName=table,
        Item={
            **key,
            "a": N(1),
            "b": S("x"),
            "l": {"L": [N(0), N(1), N(2), {"M": {"p": N(1), "q": N(2)}}]},
            "m": {"M": {"x": {"M": {"y": N(1), "z": N(2)}}, "w": S("w")}},
            "dot.ted": S("literal"),
        },
    )
    return key


def get(
    client: Any, table: str, key: dict[str, Any], projection: str, names: dict[str, str] | None = None
) -> Any:
    params: dict[str, Any] = {"TableName": table, "Key": key, "ProjectionExpression": projection}
    if names:
        params["ExpressionAttributeNames"] = names
    return client.get_item(**params).get("Item")


@pytest.mark.parametrize(
    ("projection", "names", "expected"),
    [
        ("a", None, {"a": N(1)}),
        ("a, b", None, {"a": N(1), "b": S("x")}),
        ("m.x.y", None, {"m": {"M": {"x": {"M": {"y": N(1)}}}}}),
        ("m.x.y, m.w", None, {"m": {"M": {"x": {"M": {"y": N(1)}}, "w": S("w")}}}),
        ("l[2], l[0]", None, {"l": {"L": [N(0), N(2)]}}),  # compacted, in index order
        ("l[3].p, l[3].q", None, {"l": {"L": [{"M": {"p": N(1), "q": N(2)}}]}}),
        ("l[9], m.nope, absent, a.b", None, {}),  # missing paths are silently dropped
        ("#d", {"#d": "dot.ted"}, {"dot.ted": S("literal")}),  # a dot in a name value is literal
        ("pk", None, None),  # keys are not added automatically, but may be asked for
    ],
)
def test_projections(
    client: Any,
    table: str,
    seeded: dict[str, Any],
    projection: str,
    names: dict[str, str] | None,
    expected: dict[str, Any] | None,
) -> None:
    # ProjectionExpression keeps exactly the named paths, nested as in the item.
    if expected is None:
        expected = dict(seeded)
    assert get(client, table, seeded, projection, names) == expected


@pytest.mark.parametrize(
    ("projection", "message"),
    [
        (
            "a, a",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
        (
            "a, a.b",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
        ),
        (
            "a.b, a[1]",
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
        ),
        ("name", "Attribute name is a reserved keyword; reserved keyword: name"),
        ("a,", 'Syntax error; token: "<EOF>", near: ","'),
    ],
)
def test_projection_errors(client: Any, table: str, projection: str, message: str) -> None:
    # Projection paths may neither repeat nor overlap; errors come before the table is read.
    with raises("ValidationException", "Invalid ProjectionExpression: " + message):
        client.get_item(TableName="no-such-table", Key={"pk": S("a")}, ProjectionExpression=projection)


def test_unused_names_and_values(client: Any, table: str) -> None:
    # Every provided #name and :value must be used by some expression of the request.
    with raises(
        "ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    ):
        client.update_item(
            TableName=table,
            Key={"pk": S("a")},
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": "a", "#b": "b"},
            ExpressionAttributeValues={":v": N(1)},
        )
    with raises(
        "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"
    ):
        client.update_item(
            TableName=table,
            Key={"pk": S("a")},
            UpdateExpression="SET a = :v",
            ExpressionAttributeValues={":v": N(1), ":w": N(2)},
        )


def test_use_across_expressions_counts(client: Any, table: str) -> None:
    # A name or value used by any expression of the request counts as used (even on a short-circuited OR).
    client.update_item(
        TableName=table,
        Key={"pk": S(uuid.uuid4().hex)},
        UpdateExpression="SET #a = :v",
        ConditionExpression="attribute_not_exists(#b) OR #b = :w",
        ExpressionAttributeNames={"#a": "a", "#b": "b"},
        ExpressionAttributeValues={":v": N(1), ":w": N(2)},
    )


def test_empty_maps(client: Any, table: str) -> None:
    # Present but empty ExpressionAttributeNames/Values are errors.
    with raises("ValidationException", ONE + "ExpressionAttributeNames must not be empty"):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="attribute_exists(a)",
            ExpressionAttributeNames={},
        )
    with raises("ValidationException", ONE + "ExpressionAttributeValues must not be empty"):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="attribute_exists(a)",
            ExpressionAttributeValues={},
        )


def test_maps_without_expressions(client: Any, table: str) -> None:
    # Names/values without an expression that can use them are refused, naming the expressions.
    with raises(
        "ValidationException", ONE + "ExpressionAttributeNames can only be specified when using expressions"
    ):
        client.put_item(TableName=table, Item={"pk": S("a")}, ExpressionAttributeNames={"#a": "a"})
    with raises(
        "ValidationException",
        ONE
        + "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
    ):
        client.delete_item(TableName=table, Key={"pk": S("a")}, ExpressionAttributeValues={":v": N(1)})
    with raises(
        "ValidationException",
        ONE + "ExpressionAttributeValues can only be specified when using expressions: "
        "UpdateExpression and ConditionExpression are null",
    ):
        client.update_item(TableName=table, Key={"pk": S("a")}, ExpressionAttributeValues={":v": N(1)})


def test_invalid_keys(client: Any, table: str) -> None:
    # Keys of the maps must be #name / :value tokens.
    with raises(
        "ValidationException", 'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'
    ):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="attribute_exists(a)",
            ExpressionAttributeNames={"a": "a"},
        )
    with raises(
        "ValidationException", 'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'
    ):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="a = :v",
            ExpressionAttributeValues={"v": N(1)},
        )


def test_empty_attribute_name_value_is_refused(client: Any, table: str) -> None:
    # ExpressionAttributeNames may not map a key to an empty name (the text applications match).
    with raises(
        "ValidationException",
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a",
    ):
        client.update_item(
            TableName=table,
            Key={"pk": S("a")},
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": ""},
            ExpressionAttributeValues={":v": N(1)},
        )


def test_invalid_value_names_its_key(client: Any, table: str) -> None:
    # An invalid ExpressionAttributeValues entry is reported with its key.
    with raises(
        "ValidationException",
        "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, "
        "must contain exactly one of the supported datatypes for key :v",
    ):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="a = :v",
            ExpressionAttributeValues={":v": {}},
        )


def test_mixing_legacy_and_expressions(client: Any, table: str) -> None:
    # Legacy parameters cannot be combined with expressions in one request.
    with raises(
        "ValidationException",
        ONE + "Can not use both expression and non-expression parameters in the same "
        "request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    ):
        client.put_item(
            TableName=table,
            Item={"pk": S("a")},
            ConditionExpression="attribute_exists(a)",
            Expected={"a": {"Exists": False}},
        )


def test_empty_expression(client: Any, table: str) -> None:
    # An empty expression string is its own error.
    with raises("ValidationException", ONE + "Invalid ConditionExpression: The expression can not be empty;"):
        client.put_item(TableName=table, Item={"pk": S("a")}, ConditionExpression="")


def test_expression_errors_before_table_lookup(client: Any) -> None:
    # Expression syntax is checked before the table's existence.
    with raises("ValidationException", startswith=ONE + "Invalid UpdateExpression: Syntax error"):
        client.update_item(TableName="no-such-table", Key={"pk": S("a")}, UpdateExpression="SET")
