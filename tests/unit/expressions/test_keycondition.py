"""KeyConditionExpression analysis: accepted shapes, DynamoDB's messages, key ranges."""

from __future__ import annotations

from typing import Any

import pytest

from expressions import KEY_CONDITION, Bindings, ExpressionError, parse, resolve_condition
from expressions.keycondition import KeyAttr, KeyCondition, KeyRange, key_conditions, key_range

VALUES = {":a": {"S": "1"}, ":b": {"S": "2"}, ":n": {"N": "1"}}


def analyse(text: str) -> Any:
    resolved = resolve_condition(KEY_CONDITION, parse(KEY_CONDITION, text), Bindings({}, VALUES))  # type: ignore[arg-type]
    return key_conditions(resolved)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = :a OR b = :b", "Invalid operator used in KeyConditionExpression: OR"),
        ("a = :a AND b IN (:a, :b)", "Invalid operator used in KeyConditionExpression: IN"),
        ("attribute_exists(a)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
        ("contains(a.d, :b)", "Invalid operator used in KeyConditionExpression: contains"),
        ("NOT a = :a", "Invalid operator used in KeyConditionExpression: NOT"),
        ("a <> :a", "Invalid operator used in KeyConditionExpression: <>"),
        (
            ":a BETWEEN :a AND :b",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
        ),
        (
            "begins_with(:a, b)",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
        ),
        ("size(b) > :n", "KeyConditionExpressions cannot contain nested operations"),
        (
            "b > a.b",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        (
            "begins_with(a, b)",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        ("a.d > :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("b[0] > :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        (":b > :a AND a < :b", "Invalid condition in KeyConditionExpression: No key attribute specified"),
        ("b > :a AND b < :b", "KeyConditionExpressions must only contain one condition per key"),
    ],
)
def test_shape_errors(text: str, message: str) -> None:
    # Key conditions are ANDs of simple conditions on top-level attributes (checked before the table).
    with pytest.raises(ExpressionError) as info:
        analyse(text)
    assert info.value.message == "Invalid KeyConditionExpression: " + message


def test_operands_in_either_order() -> None:
    # ":v < sk" means "sk > :v".
    assert analyse("pk = :a AND :b < sk") == (
        KeyCondition("pk", "=", ({"S": "1"},)),
        KeyCondition("sk", ">", ({"S": "2"},)),
    )


def test_between_and_begins_with() -> None:
    # BETWEEN and begins_with keep their operands in order.
    assert analyse("sk BETWEEN :a AND :b AND pk = :a")[0] == KeyCondition(
        "sk", "BETWEEN", ({"S": "1"}, {"S": "2"})
    )
    assert analyse("begins_with(sk, :a)") == (KeyCondition("sk", "begins_with", ({"S": "1"},)),)


HASH, RANGE = KeyAttr("pk", "S"), KeyAttr("sk", "S")


def test_key_range() -> None:
    # The partition equality and the sort condition become a key range.
    assert key_range(analyse("pk = :a AND sk >= :b"), HASH, RANGE) == KeyRange(
        {"S": "1"}, KeyCondition("sk", ">=", ({"S": "2"},))
    )
    assert key_range(analyse("pk = :a"), HASH, RANGE) == KeyRange({"S": "1"}, None)


@pytest.mark.parametrize(
    ("text", "range_key", "message"),
    [
        ("sk = :a", RANGE, "Query condition missed key schema element: pk"),
        ("pk > :a", RANGE, "Query key condition not supported"),
        ("pk = :a AND sk = :b", None, "Query key condition not supported"),
        ("pk = :a AND extra = :b", RANGE, "Query condition missed key schema element: sk"),
        (
            "pk = :n",
            RANGE,
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
    ],
)
def test_schema_errors(text: str, range_key: KeyAttr | None, message: str) -> None:
    # Mapping onto the key schema: an equality on the partition key; sort conditions need a sort key.
    with pytest.raises(ExpressionError) as info:
        key_range(analyse(text), HASH, range_key)
    assert info.value.message == message
