"""Query: key conditions, order, filters, Select, pagination, start keys and capacity."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from tests.helpers import create_table, raises

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731
ONE = "1 validation error detected: "


@pytest.fixture(scope="module")
def numbers(client: Any) -> Any:
    """A table (pk S, sk N) with one partition of numbers in awkward forms."""
    name = create_table(client, range_key=("sk", "N"))
    values = [
        "-1e100",
        "-12.5",
        "-1",
        "-0.001",
        "0",
        "0.001",
        "1",
        "1.5",
        "10",
        "12.5",
        "100",
        "1e100",
        "9.99e125",
    ]
    for value in values:
        client.put_item(TableName=name, Item={"pk": S("p"), "sk": N(value), "v": N(1)})
    yield name, sorted(Decimal(v) for v in values)
    client.delete_table(TableName=name)


def query(client: Any, table: str, condition: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return dict(
        client.query(
            TableName=table, KeyConditionExpression=condition, ExpressionAttributeValues=values, **extra
        )
    )


def sks(response: dict[str, Any]) -> list[Decimal]:
    return [Decimal(item["sk"]["N"]) for item in response["Items"]]


def test_numbers_sort_by_value(client: Any, numbers: Any) -> None:
    # Number sort keys are ordered by numeric value, negatives and exponents included.
    table, expected = numbers
    assert sks(query(client, table, "pk = :p", {":p": S("p")})) == expected
    assert sks(query(client, table, "pk = :p", {":p": S("p")}, ScanIndexForward=False)) == expected[::-1]


@pytest.mark.parametrize(
    ("condition", "values", "predicate"),
    [
        ("sk = :v", {":v": N("1.50")}, lambda x: x == Decimal("1.5")),
        ("sk < :v", {":v": N(0)}, lambda x: x < 0),
        ("sk <= :v", {":v": N(0)}, lambda x: x <= 0),
        ("sk > :v", {":v": N(1)}, lambda x: x > 1),
        ("sk >= :v", {":v": N(1)}, lambda x: x >= 1),
        ("sk BETWEEN :a AND :b", {":a": N(-1), ":b": N(10)}, lambda x: -1 <= x <= 10),
        (":v > sk", {":v": N(0)}, lambda x: x < 0),  # operands in either order
        (":v <= sk", {":v": N("12.5")}, lambda x: x >= Decimal("12.5")),
    ],
)
def test_sort_key_conditions(
    client: Any, numbers: Any, condition: str, values: dict[str, Any], predicate: Any
) -> None:
    # Each sort-key operator selects exactly the matching range, in order.
    table, all_values = numbers
    response = query(client, table, f"pk = :p AND {condition}", {":p": S("p"), **values})
    assert sks(response) == [v for v in all_values if predicate(v)]


def test_string_and_binary_order(client: Any) -> None:
    # Strings sort by UTF-8 bytes (case-sensitive), binary by unsigned bytes; begins_with on both.
    name = create_table(client, range_key=("sk", "S"))
    words = ["B", "a", "ab", "abc", "b", "é", "z", "\u00ff", "😀", ""]
    for word in words[:-1]:
        client.put_item(TableName=name, Item={"pk": S("p"), "sk": S(word)})
    got = [i["sk"]["S"] for i in query(client, name, "pk = :p", {":p": S("p")})["Items"]]
    assert got == sorted(words[:-1], key=lambda w: w.encode())
    got = [
        i["sk"]["S"]
        for i in query(client, name, "pk = :p AND begins_with(sk, :a)", {":p": S("p"), ":a": S("a")})["Items"]
    ]
    assert got == ["a", "ab", "abc"]
    binary = create_table(client, range_key=("sk", "B"))
    blobs = [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]
    for blob in blobs:
        client.put_item(TableName=binary, Item={"pk": S("p"), "sk": {"B": blob}})
    got = [i["sk"]["B"] for i in query(client, binary, "pk = :p", {":p": S("p")})["Items"]]
    assert got == sorted(blobs)
    got = [
        i["sk"]["B"]
        for i in query(
            client, binary, "pk = :p AND begins_with(sk, :b)", {":p": S("p"), ":b": {"B": b"\xff"}}
        )["Items"]
    ]
    assert got == [b"\xff", b"\xff\x00"]
    client.delete_table(TableName=name)
    client.delete_table(TableName=binary)


def test_long_sort_keys_keep_their_order(client: Any) -> None:
    # Sort keys up to 1024 bytes sharing long prefixes are still in order, in both directions and across pages.
    name = create_table(client, range_key=("sk", "S"))
    base = "x" * 500
    keys = [base + suffix for suffix in ("b", "a", "ab", "c" * 400, "")] + ["y" * 1024, "w"]
    for key in keys:
        client.put_item(TableName=name, Item={"pk": S("p"), "sk": S(key)})
    expected = sorted(keys)
    got = [i["sk"]["S"] for i in query(client, name, "pk = :p", {":p": S("p")})["Items"]]
    assert got == expected
    got = [
        i["sk"]["S"] for i in query(client, name, "pk = :p", {":p": S("p")}, ScanIndexForward=False)["Items"]
    ]
    assert got == expected[::-1]
    paged: list[str] = []
    start = None
    while True:
        extra: dict[str, Any] = {"Limit": 2}
        if start:
            extra["ExclusiveStartKey"] = start
        page = query(client, name, "pk = :p", {":p": S("p")}, **extra)
        paged += [i["sk"]["S"] for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert paged == expected
    got = [
        i["sk"]["S"]
        for i in query(client, name, "pk = :p AND sk > :k", {":p": S("p"), ":k": S(base + "a")})["Items"]
    ]
    assert got == [k for k in expected if k > base + "a"]
    client.delete_table(TableName=name)


def test_filter_after_limit(client: Any, numbers: Any) -> None:
    # Limit counts evaluated items; the filter applies afterwards (Count vs ScannedCount).
    table, _ = numbers
    response = query(client, table, "pk = :p", {":p": S("p"), ":z": N(5)}, Limit=5, FilterExpression="v > :z")
    assert response["ScannedCount"] == 5 and response["Count"] == 0 and response["Items"] == []
    assert "LastEvaluatedKey" in response


def test_filter_on_key_attribute(client: Any, numbers: Any) -> None:
    # A Query filter may not use the key attributes.
    table, _ = numbers
    with raises(
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    ):
        query(client, table, "pk = :p", {":p": S("p"), ":z": N(0)}, FilterExpression="sk > :z")


def test_select_count_and_projection(client: Any, numbers: Any) -> None:
    # Select COUNT returns no Items; a ProjectionExpression keeps only the named attributes.
    table, values = numbers
    response = query(client, table, "pk = :p", {":p": S("p")}, Select="COUNT")
    assert "Items" not in response and response["Count"] == len(values)
    response = query(client, table, "pk = :p", {":p": S("p")}, ProjectionExpression="v", Limit=1)
    assert response["Items"] == [{"v": N(1)}]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"Select": "SPECIFIC_ATTRIBUTES"},
            ONE
            + "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (
            {"Select": "ALL_PROJECTED_ATTRIBUTES"},
            ONE + "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ),
        (
            {"Select": "COUNT", "ProjectionExpression": "v"},
            "Cannot specify the ProjectionExpression when choosing to get only the Count",
        ),
        (
            {"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "v"},
            "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        ),
        (
            {"Limit": 0},
            ONE
            + "Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        ({"IndexName": "nope"}, "The table does not have the specified index: nope"),
    ],
)
def test_request_errors(client: Any, numbers: Any, extra: dict[str, Any], message: str) -> None:
    # Select, Limit and IndexName rules, with Query's own wording.
    table, _ = numbers
    with raises("ValidationException", message):
        query(client, table, "pk = :p", {":p": S("p")}, **extra)


def test_requires_key_condition(client: Any, numbers: Any) -> None:
    # A Query needs a key condition.
    table, _ = numbers
    with raises(
        "ValidationException",
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    ):
        client.query(TableName=table)


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        ("sk = :v", {":v": N(1)}, "Query condition missed key schema element: pk"),
        ("pk > :p", {":p": S("p")}, "Query key condition not supported"),
        (
            "pk = :v",
            {":v": N(1)},
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            "pk = :p OR sk = :v",
            {":p": S("p"), ":v": N(1)},
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "pk = :p AND size(sk) > :v",
            {":p": S("p"), ":v": N(1)},
            "Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations",
        ),
        (
            "pk = :p AND sk > :v AND sk < :v",
            {":p": S("p"), ":v": N(1)},
            "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key",
        ),
        (
            "pk = :p AND begins_with(sk, :v)",
            {":p": S("p"), ":v": N(1)},
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
    ],
)
def test_key_condition_errors(
    client: Any, numbers: Any, condition: str, values: dict[str, Any], message: str
) -> None:
    # KeyConditionExpression errors (reference 4.6).
    table, _ = numbers
    with raises("ValidationException", message):
        query(client, table, condition, values)


def test_pagination_with_limit(client: Any, numbers: Any) -> None:
    # Pages of Limit items chain through LastEvaluatedKey; the last full page still carries one.
    table, values = numbers
    seen: list[Decimal] = []
    start = None
    pages = 0
    while True:
        extra: dict[str, Any] = {"Limit": 4}
        if start:
            extra["ExclusiveStartKey"] = start
        page = query(client, table, "pk = :p", {":p": S("p")}, **extra)
        pages += 1
        seen += sks(page)
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
        assert set(start) == {"pk", "sk"}
    assert seen == values and pages == len(values) // 4 + 1


def test_one_megabyte_pages(client: Any) -> None:
    # A page stops after 1 MB of item data read (the item that crosses is included).
    name = create_table(client, range_key=("sk", "N"))
    for i in range(12):
        client.put_item(TableName=name, Item={"pk": S("p"), "sk": N(i), "d": S("x" * 100_000)})
    first = query(client, name, "pk = :p", {":p": S("p")})
    assert len(first["Items"]) == 11 and first["LastEvaluatedKey"] == {"pk": S("p"), "sk": N(10)}
    second = query(client, name, "pk = :p", {":p": S("p")}, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert sks(second) == [Decimal(11)] and "LastEvaluatedKey" not in second
    client.delete_table(TableName=name)


def test_start_key_errors(client: Any, numbers: Any) -> None:
    # ExclusiveStartKey must be a key of the queried partition that satisfies the sort condition.
    table, _ = numbers
    with raises(
        "ValidationException",
        "The provided starting key is outside query boundaries based on provided conditions",
    ):
        query(client, table, "pk = :p", {":p": S("p")}, ExclusiveStartKey={"pk": S("other"), "sk": N(1)})
    with raises("ValidationException", "The provided starting key does not match the range key predicate"):
        query(
            client,
            table,
            "pk = :p AND sk > :z",
            {":p": S("p"), ":z": N(0)},
            ExclusiveStartKey={"pk": S("p"), "sk": N(-5)},
        )
    with raises(
        "ValidationException",
        "The provided starting key is invalid: The provided key element does not match the schema",
    ):
        query(client, table, "pk = :p", {":p": S("p")}, ExclusiveStartKey={"pk": S("p")})


def test_start_key_need_not_exist(client: Any, numbers: Any) -> None:
    # A start key is a position; it need not be an existing item.
    table, values = numbers
    page = query(client, table, "pk = :p", {":p": S("p")}, ExclusiveStartKey={"pk": S("p"), "sk": N("0.5")})
    assert sks(page) == [v for v in values if v > Decimal("0.5")]


def test_capacity(client: Any) -> None:
    # Query reads cost 4 KB units over the data read (before the filter): 9 KB = 1.5 eventual, 3.0 strong.
    name = create_table(client, range_key=("sk", "N"))
    for i in range(3):
        client.put_item(TableName=name, Item={"pk": S("p"), "sk": N(i), "d": S("x" * 3000)})
    eventual = query(
        client,
        name,
        "pk = :p",
        {":p": S("p"), ":n": S("none")},
        ReturnConsumedCapacity="TOTAL",
        FilterExpression="d = :n",
    )
    assert eventual["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 1.5}
    strong = query(
        client, name, "pk = :p", {":p": S("p")}, ReturnConsumedCapacity="INDEXES", ConsistentRead=True
    )
    assert strong["ConsumedCapacity"] == {
        "TableName": name,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 3.0},
    }
    empty = query(client, name, "pk = :p", {":p": S("nothing")}, ReturnConsumedCapacity="TOTAL")
    assert empty["ConsumedCapacity"]["CapacityUnits"] == 0.5
    client.delete_table(TableName=name)


def test_hash_only_table(client: Any, table: str) -> None:
    # Query works on a hash-only table and returns at most one item.
    key = uuid.uuid4().hex
    client.put_item(TableName=table, Item={"pk": S(key), "v": N(1)})
    assert query(client, table, "pk = :p", {":p": S(key)})["Items"] == [{"pk": S(key), "v": N(1)}]
    with raises("ValidationException", "Query key condition not supported"):
        query(client, table, "pk = :p AND v > :v", {":p": S(key), ":v": N(0)})
