"""The pre-expression parameters, translated into the expression engine's own trees.

``Expected``/``QueryFilter``/``ScanFilter`` (with ``ConditionalOperator``) become a
condition, ``KeyConditions`` a key condition, ``AttributeUpdates`` an update and
``AttributesToGet`` a projection: already resolved (attribute names are literal, values
bound), so operations evaluate them exactly as the expressions they stand for, with no
second evaluator. Only the checks differ: the legacy forms have their own argument rules
and messages (reference 6).
"""

from __future__ import annotations

from typing import Any, Final

from dynamo.errors import DynamoError, validation
from dynamo.items import check_names
from expressions.ast import (
    AddAction,
    And,
    Between,
    Call,
    Compare,
    Condition,
    DeleteAction,
    In,
    Literal,
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    Update,
)
from storage.values import AttributeValue, compare_scalars

INVALID: Final = "One or more parameter values were invalid: "
TYPE_MISMATCH: Final = "Type mismatch for attribute to update"
SCALARS: Final = frozenset({"S", "N", "B"})
SETS: Final = frozenset({"SS", "NS", "BS"})
# ComparisonOperator -> how many values it takes (None: one or more).
ARGUMENTS: Final[dict[str, int | None]] = {
    "EQ": 1,
    "NE": 1,
    "LE": 1,
    "LT": 1,
    "GE": 1,
    "GT": 1,
    "NOT_NULL": 0,
    "NULL": 0,
    "CONTAINS": 1,
    "NOT_CONTAINS": 1,
    "BEGINS_WITH": 1,
    "IN": None,
    "BETWEEN": 2,
}
# The value types each operator accepts (EQ and NE take any value).
_TYPES: Final[dict[str, frozenset[str]]] = {
    "LE": SCALARS,
    "LT": SCALARS,
    "GE": SCALARS,
    "GT": SCALARS,
    "CONTAINS": SCALARS,
    "NOT_CONTAINS": SCALARS,
    "BEGINS_WITH": frozenset({"S", "B"}),
    "IN": SCALARS,
    "BETWEEN": SCALARS,
}
_ORDERED: Final = {"LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
KEY_OPERATORS: Final = frozenset({"EQ", "LE", "LT", "GE", "GT", "BEGINS_WITH", "BETWEEN"})

# Legacy member -> the expression member it stands for.
FILTERS: Final = ("Expected", "QueryFilter", "ScanFilter")
TARGETS: Final = {
    "Expected": "ConditionExpression",
    "QueryFilter": "FilterExpression",
    "ScanFilter": "FilterExpression",
    "KeyConditions": "KeyConditionExpression",
    "AttributeUpdates": "UpdateExpression",
    "AttributesToGet": "ProjectionExpression",
}

Resolved = Condition | Update | Projection


def translate(request: dict[str, Any], members: list[str]) -> dict[str, Resolved]:
    """The resolved trees of a request's legacy ``members`` (those present), keyed by the
    expression member each one replaces."""
    operator = request.get("ConditionalOperator")
    if operator is not None:
        sizes = [len(request[m]) for m in FILTERS if request.get(m)]  # an empty map is no map
        if not sizes:
            raise validation("ConditionalOperator cannot be used without Filter or Expected")
        if max(sizes) < 2:
            raise validation(
                "ConditionalOperator can only be used when Filter or Expected has two or more elements"
            )
    resolved: dict[str, Resolved] = {}
    for member in members:
        if member == "ConditionalOperator":
            continue
        value = request[member]
        tree: Resolved | None
        if member == "Expected":
            tree = _combine([_expected(name, entry) for name, entry in value.items()], operator)
        elif member in ("QueryFilter", "ScanFilter"):
            tree = _combine([_condition(name, entry) for name, entry in value.items()], operator)
        elif member == "KeyConditions":
            tree = key_condition(value)
        elif member == "AttributeUpdates":
            # {} updates nothing, yet still writes the (key-only) item, as no update does.
            tree = _update(value) if value else None
        else:
            tree = projection(value)
        if tree is not None:
            resolved[TARGETS[member]] = tree
    return resolved


def projection(names: list[str]) -> Projection:
    """``AttributesToGet``: top-level attributes, named literally."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise validation(f"{INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple(Path((name,)) for name in names))


def key_condition(conditions: dict[str, Any]) -> Condition:
    """``KeyConditions``: one or two conditions; only the operators an index can serve."""
    parts = [_condition(name, entry) for name, entry in conditions.items()]  # each entry's own rules first
    if not 1 <= len(conditions) <= 2:
        raise validation("Conditions can be of length 1 or 2 only")
    if any(entry["ComparisonOperator"] not in KEY_OPERATORS for entry in conditions.values()):
        raise validation("Attempted conditional constraint is not an indexable operation")
    tree = _combine(parts, "AND")
    assert tree is not None
    return tree


def _combine(conditions: list[Condition], operator: str | None) -> Condition | None:
    if not conditions:
        return None
    join = Or if operator == "OR" else And
    tree = conditions[0]
    for condition in conditions[1:]:
        tree = join(tree, condition)
    return tree


def _condition(name: str, entry: dict[str, Any]) -> Condition:
    """One ``{ComparisonOperator, AttributeValueList}`` entry of a filter or KeyConditions."""
    return comparison(name, entry["ComparisonOperator"], entry.get("AttributeValueList", []))


def comparison(name: str, operator: str, values: list[AttributeValue]) -> Condition:
    """``name <operator> values`` as a resolved condition, after the operator's checks."""
    wanted = ARGUMENTS[operator]
    if (wanted is None and not values) or (wanted is not None and len(values) != wanted):
        raise validation(f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator")
    if operator in ("IN", "BETWEEN") and len({next(iter(v)) for v in values}) > 1:
        raise validation(f"{INVALID}AttributeValues inside AttributeValueList must be of same type")
    allowed = _TYPES.get(operator)
    for value in values:
        (kind,) = value
        if allowed is not None and kind not in allowed:
            raise validation(
                f"{INVALID}ComparisonOperator {operator} is not valid for {kind} AttributeValue type"
            )
    path = Path((name,))
    literals = [Literal(f":{name}{i}", value) for i, value in enumerate(values)]
    if operator == "EQ":
        return Compare("=", path, literals[0])
    if operator == "NE":
        return Compare("<>", path, literals[0])  # true when missing, as legacy NE is
    if operator in _ORDERED:
        return Compare(_ORDERED[operator], path, literals[0])
    if operator == "NOT_NULL":
        return Call("attribute_exists", (path,))
    if operator == "NULL":
        return Call("attribute_not_exists", (path,))
    if operator == "CONTAINS":
        return Call("contains", (path, literals[0]))
    if operator == "NOT_CONTAINS":  # false, like CONTAINS, when the attribute is missing
        return And(Call("attribute_exists", (path,)), Not(Call("contains", (path, literals[0]))))
    if operator == "BEGINS_WITH":
        return Call("begins_with", (path, literals[0]))
    if operator == "IN":
        return In(path, tuple(literals))
    low, high = values
    ((kind, lo),) = low.items()
    if compare_scalars(kind, lo, high[kind]) > 0:
        raise validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        )
    return Between(path, literals[0], literals[1])


def _expected(name: str, entry: dict[str, Any]) -> Condition:
    """One ``Expected`` entry: a value it must equal, whether it exists, or an operator."""
    value = entry.get("Value")
    exists = entry.get("Exists")
    operator = entry.get("ComparisonOperator")
    values = entry.get("AttributeValueList")

    def fail(message: str) -> DynamoError:
        return validation(f"{INVALID}{message} for Attribute: {name}")

    if value is not None and values is not None:
        raise fail("Value and AttributeValueList cannot be used together")
    if operator is not None:
        if exists is not None:
            raise fail("Exists and ComparisonOperator cannot be used together")
        if value is not None:
            values = [value]
        if values is None and ARGUMENTS[operator] != 0:
            raise validation(
                f"{INVALID}Value or AttributeValueList must be used with ComparisonOperator: {operator} "
                f"for Attribute: {name}"
            )
        return comparison(name, operator, values or [])
    if values is not None:
        raise fail("AttributeValueList can only be used with a ComparisonOperator")
    if exists is False:
        if value is not None:
            raise fail("Value cannot be used when Exists is false")
        return Call("attribute_not_exists", (Path((name,)),))
    if value is None:
        raise fail(f"Value must be provided when Exists is {'true' if exists else 'null'}")
    return Compare("=", Path((name,)), Literal(f":{name}", value))


def _update(updates: dict[str, Any]) -> Update:
    """``AttributeUpdates``: PUT sets, DELETE removes (or takes members out of a set), ADD
    adds to a number or set, or appends to a list (a legacy-only form)."""
    check_names(updates)  # the names PutItem would refuse (empty, over 64 KB)
    actions: list[SetAction | RemoveAction | AddAction | DeleteAction] = []
    for name, entry in updates.items():
        action = entry.get("Action", "PUT")
        value = entry.get("Value")
        path = Path((name,))
        if value is None:
            if action != "DELETE":
                raise validation(
                    f"{INVALID}Only DELETE action is allowed when no attribute value is specified"
                )
            actions.append(RemoveAction(path))
            continue
        ((kind, _),) = value.items()
        literal = Literal(f":{name}", value)
        if action == "PUT":
            actions.append(SetAction(path, literal))
        elif action == "DELETE":
            if kind not in SETS:
                raise validation(f"{INVALID}DELETE action with value is not supported for the type {kind}")
            actions.append(DeleteAction(path, literal))
        elif kind == "L":
            empty = Literal(":empty", {"L": []})
            existing = Call("if_not_exists", (path, empty))
            actions.append(SetAction(path, Call("list_append", (existing, literal))))
        elif kind == "N" or kind in SETS:
            actions.append(AddAction(path, literal))
        else:
            raise validation(f"{INVALID}ADD action is not supported for the type {kind}")
    return Update(tuple(actions))
