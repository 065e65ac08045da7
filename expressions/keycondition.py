"""KeyConditionExpression analysis: from a resolved condition to the key range a Query reads.

Two phases, as in DynamoDB:

* :func:`key_conditions` needs no table. It checks the shape DynamoDB accepts (ANDs of
  simple conditions on top-level attributes: ``=  <  <=  >  >=  BETWEEN  begins_with``,
  operands in either order) and splits the expression into one condition per attribute.
* :func:`key_range` maps those conditions onto a key schema (after the table or index is
  known): an equality on the partition key, optionally one condition on the sort key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from expressions.ast import And, Between, Call, Compare, Condition, In, Literal, Not, Operand, Or, Path
from expressions.errors import ExpressionError
from storage.values import AttributeValue, type_of

_PREFIX: Final = "Invalid KeyConditionExpression: "
# Reversing a comparison's operands (":v < sk" means "sk > :v").
_MIRROR: Final = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """A condition on one key attribute: ``op`` is one of = < <= > >= BETWEEN begins_with."""

    attribute: str
    op: str
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True, slots=True)
class KeyRange:
    """What a Query reads: one partition, optionally narrowed by a sort-key condition."""

    partition: AttributeValue
    sort: KeyCondition | None


def _fail(message: str) -> ExpressionError:
    return ExpressionError(_PREFIX + message)


def _leaves(node: Condition) -> Iterator[Condition]:
    """The simple conditions of an AND tree, left to right; refuse any other operator."""
    if isinstance(node, And):
        yield from _leaves(node.left)
        yield from _leaves(node.right)
    elif isinstance(node, Or):
        raise _fail("Invalid operator used in KeyConditionExpression: OR")
    elif isinstance(node, Not):
        raise _fail("Invalid operator used in KeyConditionExpression: NOT")
    elif isinstance(node, In):
        raise _fail("Invalid operator used in KeyConditionExpression: IN")
    elif isinstance(node, Compare) and node.op == "<>":
        raise _fail("Invalid operator used in KeyConditionExpression: <>")
    elif isinstance(node, Call) and node.name != "begins_with":
        raise _fail(f"Invalid operator used in KeyConditionExpression: {node.name}")
    else:
        yield node


def _attribute(operands: tuple[Operand, ...]) -> str:
    """The one top-level attribute a simple condition is about, with DynamoDB's errors."""
    found: str | None = None
    for operand in operands:
        if isinstance(operand, Call):
            raise _fail("KeyConditionExpressions cannot contain nested operations")
        if isinstance(operand, Path):
            if found is not None:
                raise _fail(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
                )
            if len(operand.elements) > 1:
                raise _fail("KeyConditionExpressions cannot have conditions on nested attributes")
            first = operand.elements[0]
            assert isinstance(first, str)
            found = first
    if found is None:
        raise _fail("Invalid condition in KeyConditionExpression: No key attribute specified")
    return found


def _value(operand: Operand) -> AttributeValue:
    assert isinstance(operand, Literal)
    return operand.value


def _simple(node: Condition) -> KeyCondition:
    if isinstance(node, Compare):
        attribute = _attribute((node.left, node.right))
        if isinstance(node.left, Path):
            return KeyCondition(attribute, node.op, (_value(node.right),))
        return KeyCondition(attribute, _MIRROR[node.op], (_value(node.left),))
    if isinstance(node, Between):
        if not isinstance(node.subject, Path):
            raise _fail(
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its "
                "first operand"
            )
        attribute = _attribute((node.subject, node.low, node.high))
        return KeyCondition(attribute, "BETWEEN", (_value(node.low), _value(node.high)))
    assert isinstance(node, Call)
    subject, prefix = node.args
    if not isinstance(subject, Path):
        raise _fail(
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its "
            "first operand"
        )
    attribute = _attribute((subject, prefix))
    return KeyCondition(attribute, "begins_with", (_value(prefix),))


def key_conditions(condition: Condition) -> tuple[KeyCondition, ...]:
    """Split a resolved KeyConditionExpression into at most one condition per attribute."""
    conditions: list[KeyCondition] = []
    for leaf in _leaves(condition):
        simple = _simple(leaf)
        if any(c.attribute == simple.attribute for c in conditions):
            raise _fail("KeyConditionExpressions must only contain one condition per key")
        conditions.append(simple)
    return tuple(conditions)


@dataclass(frozen=True, slots=True)
class KeyAttr:
    name: str
    type: str


def key_range(conditions: tuple[KeyCondition, ...], hash_key: KeyAttr, range_key: KeyAttr | None) -> KeyRange:
    """The partition and sort-key condition for a key schema (hash, optional range)."""
    by_name = {c.attribute: c for c in conditions}
    partition = by_name.get(hash_key.name)
    if partition is None:
        raise ExpressionError(f"Query condition missed key schema element: {hash_key.name}")
    for condition in conditions:
        if condition.attribute != hash_key.name and (
            range_key is None or condition.attribute != range_key.name
        ):
            if range_key is None:
                raise ExpressionError("Query key condition not supported")
            raise ExpressionError(f"Query condition missed key schema element: {range_key.name}")
    if partition.op != "=":
        raise ExpressionError("Query key condition not supported")
    _check_types(partition, hash_key)
    sort = None if range_key is None else by_name.get(range_key.name)
    if sort is not None:
        assert range_key is not None
        _check_types(sort, range_key)
    return KeyRange(partition.values[0], sort)


def _check_types(condition: KeyCondition, key: KeyAttr) -> None:
    if any(type_of(v) != key.type for v in condition.values):
        raise ExpressionError(
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        )
