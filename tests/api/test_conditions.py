"""ConditionExpression on PutItem, UpdateItem and DeleteItem: semantics of every operator
and function, conditional failures, and ReturnValuesOnConditionCheckFailure."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import raises

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731

ITEM = {
    "s": S("hello"),
    "n": N(10),
    "b": {"B": b"\x01\x02\x03"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "ss": {"SS": ["x", "y"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x00"]},
    "l": {"L": [S("a"), N(1), {"M": {"k": S("v")}}]},
    "m": {"M": {"mid": {"M": {"deep": N(7)}}, "e": S("")}},
    "u": S("é🙂"),
}


@pytest.fixture(scope="module")
def seeded(client: Any, table: str) -> dict[str, Any]:
    key = {"pk": S(uuid.uuid4().hex)}
    client.put_item(TableName=table, Item={**key, **ITEM})
    return key


def holds(
    client: Any,
    table: str,
    key: dict[str, Any],
    condition: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> bool:
    """Whether a condition holds on the item, tested with a no-op conditional update."""
    params: dict[str, Any] = {"TableName": table, "Key": key, "ConditionExpression": condition}
    if values:
        params["ExpressionAttributeValues"] = values
    if names:
        params["ExpressionAttributeNames"] = names
    try:
        client.update_item(**params)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


CASES = [
    # Comparisons: typed, numbers by value, strings by bytes, binary unsigned.
    ("n = :v", {":v": N("10.0")}, True),
    ("n = :v", {":v": S("10")}, False),
    ("n <> :v", {":v": S("10")}, True),
    ("absent = :v", {":v": N(1)}, False),
    ("absent <> :v", {":v": N(1)}, True),
    ("n < :v", {":v": N(11)}, True),
    ("n < :v", {":v": S("11")}, False),
    ("s > :v", {":v": S("Hello")}, True),
    ("b < :v", {":v": {"B": b"\x80"}}, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(10), ":hi": N(10)}, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(11), ":hi": N(20)}, False),
    ("s BETWEEN :lo AND :hi", {":lo": S("a"), ":hi": S("z")}, True),
    ("n IN (:a, :b)", {":a": S("10"), ":b": N(10)}, True),
    ("n IN (:a)", {":a": N(11)}, False),
    ("ss = :v", {":v": {"SS": ["y", "x"]}}, True),
    ("ns = :v", {":v": {"NS": ["2.50", "1"]}}, True),
    ("l = :v", {":v": {"L": [S("a"), N(1), {"M": {"k": S("v")}}]}}, True),
    ("m.mid.deep = :v", {":v": N(7)}, True),
    ("l[2].k = :v", {":v": S("v")}, True),
    ("l[9] = :v", {":v": S("v")}, False),
    ("s.x = :v", {":v": S("v")}, False),
    ("t = :v", {":v": {"BOOL": True}}, True),
    ("z = :v", {":v": {"NULL": True}}, True),
    # Functions.
    ("attribute_exists(m.e)", None, True),
    ("attribute_exists(m.nope)", None, False),
    ("attribute_not_exists(absent)", None, True),
    ("attribute_type(ns, :t)", {":t": S("NS")}, True),
    ("attribute_type(ns, :t)", {":t": S("SS")}, False),
    ("begins_with(s, :p)", {":p": S("he")}, True),
    ("begins_with(s, :p)", {":p": S("lo")}, False),
    ("begins_with(b, :p)", {":p": {"B": b"\x01"}}, True),
    ("contains(s, :v)", {":v": S("ell")}, True),
    ("contains(ss, :v)", {":v": S("y")}, True),
    ("contains(ns, :v)", {":v": N("2.50")}, True),
    ("contains(bs, :v)", {":v": {"B": b"\x00"}}, True),
    ("contains(l, :v)", {":v": {"M": {"k": S("v")}}}, True),
    ("contains(n, :v)", {":v": N(1)}, False),
    ("contains(ss, :v)", {":v": N(1)}, False),
    ("size(s) = :v", {":v": N(5)}, True),
    ("size(b) = :v", {":v": N(3)}, True),
    ("size(ss) = :v", {":v": N(2)}, True),
    ("size(l) = :v", {":v": N(3)}, True),
    ("size(m) = :v", {":v": N(2)}, True),
    ("size(n) = :v", {":v": N(2)}, False),
    ("size(absent) < :v", {":v": N(100)}, False),
    # size() of a string counts UTF-16 code units, as Java's String.length() does.
    ("size(u) = :v", {":v": N(3)}, True),
    # Boolean structure and precedence.
    ("n = :v OR n = :w AND n = :w", {":v": N(10), ":w": N(0)}, True),
    ("(n = :v OR n = :w) AND n = :w", {":v": N(10), ":w": N(0)}, False),
    ("NOT n = :w", {":w": N(0)}, True),
    ("NOT NOT n = :w", {":w": N(0)}, False),
    ("NOT (absent = :w)", {":w": N(0)}, True),
    ("(n) = :v", {":v": N(10)}, True),
]


@pytest.mark.parametrize(("condition", "values", "expected"), CASES)
def test_condition_semantics(
    client: Any,
    table: str,
    seeded: dict[str, Any],
    condition: str,
    values: dict[str, Any] | None,
    expected: bool,
) -> None:
    # DynamoDB's comparison and function semantics (reference 5.4, 5.7).
    assert holds(client, table, seeded, condition, values) is expected


def test_condition_on_missing_item_sees_empty_item(client: Any, table: str) -> None:
    # A condition on an absent item is evaluated against an empty item (and a passing one creates it).
    def fresh() -> dict[str, Any]:
        return {"pk": S(uuid.uuid4().hex)}

    assert holds(client, table, fresh(), "attribute_not_exists(pk)")
    assert holds(client, table, fresh(), "a <> :v", {":v": N(1)})
    assert not holds(client, table, fresh(), "attribute_exists(pk)")
    assert not holds(client, table, fresh(), "a = :v", {":v": N(1)})


def test_put_if_absent(client: Any, table: str) -> None:
    # The classic put-if-absent: the second put fails and changes nothing.
    key = {"pk": S(uuid.uuid4().hex)}
    client.put_item(TableName=table, Item={**key, "v": N(1)}, ConditionExpression="attribute_not_exists(pk)")
    with raises("ConditionalCheckFailedException", "The conditional request failed"):
        client.put_item(
            TableName=table, Item={**key, "v": N(2)}, ConditionExpression="attribute_not_exists(pk)"
        )
    assert client.get_item(TableName=table, Key=key)["Item"]["v"] == N(1)


def test_conditional_delete(client: Any, table: str) -> None:
    # DeleteItem removes only when the condition holds.
    key = {"pk": S(uuid.uuid4().hex)}
    client.put_item(TableName=table, Item={**key, "v": N(1)})
    with raises("ConditionalCheckFailedException"):
        client.delete_item(
            TableName=table, Key=key, ConditionExpression="v = :v", ExpressionAttributeValues={":v": N(2)}
        )
    client.delete_item(
        TableName=table, Key=key, ConditionExpression="v = :v", ExpressionAttributeValues={":v": N(1)}
    )
    assert "Item" not in client.get_item(TableName=table, Key=key)


def test_conditional_update_is_atomic(client: Any, table: str) -> None:
    # A failed condition leaves the item exactly as it was and creates nothing.
    key = {"pk": S(uuid.uuid4().hex)}
    with raises("ConditionalCheckFailedException"):
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET a = :v",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":v": N(1)},
        )
    assert "Item" not in client.get_item(TableName=table, Key=key)


def test_return_item_on_condition_failure(client: Any, table: str) -> None:
    # ReturnValuesOnConditionCheckFailure=ALL_OLD puts the existing item in the error; NONE or no item, nothing.
    key = {"pk": S(uuid.uuid4().hex)}
    client.put_item(TableName=table, Item={**key, "v": N(1), "b": {"B": b"\xff"}})
    with raises("ConditionalCheckFailedException") as info:
        client.put_item(
            TableName=table,
            Item=key,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert info.value.response["Item"] == {**key, "v": N(1), "b": {"B": b"\xff"}}
    with raises("ConditionalCheckFailedException") as info:
        client.delete_item(
            TableName=table,
            Key=key,
            ConditionExpression="v = :x",
            ExpressionAttributeValues={":x": N(9)},
            ReturnValuesOnConditionCheckFailure="NONE",
        )
    assert "Item" not in info.value.response
    with raises("ConditionalCheckFailedException") as info:
        client.update_item(
            TableName=table,
            Key={"pk": S(uuid.uuid4().hex)},
            ConditionExpression="attribute_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert "Item" not in info.value.response


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        (
            "a = a",
            None,
            "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
        ),
        (
            "contains(#x, #x)",
            None,
            "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [data]",
        ),
        (
            "a < :l",
            {":l": {"L": []}},
            "Incorrect operand type for operator or function; operator or function: <, operand type: L",
        ),
        (
            "begins_with(a, :n)",
            {":n": N(1)},
            "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
        ),
        (
            "size(:n) > :n",
            {":n": N(1)},
            "Incorrect operand type for operator or function; operator or function: size, operand type: N",
        ),
        (
            "attribute_type(a, :t)",
            {":t": S("DOG")},
            "Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            "attribute_type(a, :t)",
            {":t": N(1)},
            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
        ),
        (
            "attribute_exists(:v)",
            {":v": N(1)},
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "a BETWEEN :x AND :y",
            {":x": N(1), ":y": S("a")},
            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
        ),
        (
            "a BETWEEN :x AND :y",
            {":x": N(5), ":y": N(1)},
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "begins_with(a)",
            None,
            "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
        ),
        (
            "if_not_exists(a, :v) = :v",
            {":v": N(1)},
            "The function is not allowed in a condition expression; function: if_not_exists",
        ),
        (
            "a = :v AND #nope = :v",
            {":v": N(1)},
            "An expression attribute name used in the document path is not defined; attribute name: #nope",
        ),
        (
            "a = :nope",
            None,
            "An expression attribute value used in expression is not defined; attribute value: :nope",
        ),
    ],
)
def test_condition_errors(
    client: Any, table: str, condition: str, values: dict[str, Any] | None, message: str
) -> None:
    # Static errors of ConditionExpression, with DynamoDB's messages.
    params: dict[str, Any] = {"TableName": table, "Item": {"pk": S("x")}, "ConditionExpression": condition}
    if values:
        params["ExpressionAttributeValues"] = values
    if "#x" in condition:
        params["ExpressionAttributeNames"] = {"#x": "data"}
    envelope = "distinct" in message
    with raises(
        "ValidationException",
        ("1 validation error detected: " if envelope else "") + "Invalid ConditionExpression: " + message,
    ):
        client.put_item(**params)


def test_in_operand_limit(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # IN takes up to 100 values after the operand.
    values = {f":v{i}": N(i) for i in range(101)}
    assert holds(
        client,
        table,
        seeded,
        "n IN (" + ", ".join(list(values)[:100]) + ")",
        {k: values[k] for k in list(values)[:100]},
    )
    with raises(
        "ValidationException",
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101",
    ):
        holds(client, table, seeded, "n IN (" + ", ".join(values) + ")", values)


def test_operator_limit(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # At most 300 operators in one expression.
    condition = " OR ".join(["n = :v"] * 151)  # 151 comparisons + 150 ORs
    with raises(
        "ValidationException",
        "Invalid ConditionExpression: The expression contains too many operators; operator count: 301",
    ):
        holds(client, table, seeded, condition, {":v": N(10)})
    assert holds(client, table, seeded, " OR ".join(["n = :v"] * 150), {":v": N(10)})
