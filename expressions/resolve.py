"""The resolve phase: bind ``#names`` and ``:values``, then the checks that need them.

Resolution turns a cached, request-independent AST into one bound to this request's
ExpressionAttributeNames/Values, recording which of them were used (the caller checks
"unused" across all expressions of the request). Checks run by category over the whole
expression, in DynamoDB's order: undefined names, undefined values, operand counts,
distinct operands, operand types (conditions); undefined names and values, overlapping
paths, conflicting paths, operand types, function checks (updates).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from expressions.ast import (
    Action,
    AddAction,
    Alias,
    And,
    Arithmetic,
    Between,
    Call,
    Compare,
    Condition,
    DeleteAction,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    Update,
    ValueRef,
)
from expressions.errors import ExpressionError
from storage.values import SET_TYPES, AttributeValue, compare_scalars, type_of

ARITY: Final = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
    "if_not_exists": 2,
    "list_append": 2,
}
ATTRIBUTE_TYPES: Final = frozenset({"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"})
ATTRIBUTE_TYPES_SHOWN: Final = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
# Type names in update-clause operand messages.
LONG_TYPE_NAMES: Final = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "L": "LIST",
    "M": "MAP",
    "SS": "STRING_SET",
    "NS": "NUMBER_SET",
    "BS": "BINARY_SET",
}
ORDERED: Final = frozenset({"<", "<=", ">", ">="})
MAX_PATH_DEPTH: Final = 32
MAX_LIST_INDEX: Final = 2**31 - 1  # a Java int
MAX_IN_OPERANDS: Final = 100


@dataclass
class Bindings:
    """One request's ExpressionAttributeNames/Values, and which of them were used."""

    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, AttributeValue] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    used_values: set[str] = field(default_factory=set)


# Problem categories, in the order DynamoDB reports them.
_PATH, _NAME, _VALUE, _ARITY, _DISTINCT, _TYPE = "path", "name", "value", "arity", "distinct", "type"
_CONDITION_ORDER: Final = (_PATH, _NAME, _VALUE, _ARITY, _DISTINCT, _TYPE)


class _Resolver:
    """One pass over an AST: binds references and notes the first problem of each category."""

    def __init__(self, kind: str, bindings: Bindings) -> None:
        self.prefix = f"Invalid {kind}Expression: "
        self.bindings = bindings
        self.issues: dict[str, tuple[str, bool]] = {}

    def fail(self, message: str, *, envelope: bool = False) -> ExpressionError:
        return ExpressionError(self.prefix + message, envelope=envelope)

    def note(self, category: str, message: str, *, envelope: bool = False) -> None:
        if category not in self.issues:
            self.issues[category] = (message, envelope)

    def finish(self, order: tuple[str, ...]) -> None:
        for category in order:
            found = self.issues.get(category)
            if found is not None:
                raise self.fail(found[0], envelope=found[1])

    # -- binding --------------------------------------------------------------------------

    def path(self, path: Path) -> Path:
        elements = path.elements
        if len(elements) > MAX_PATH_DEPTH:
            self.note(
                _PATH, f"The document path has too many nesting levels; nesting levels: {len(elements)}"
            )
        resolved: list[str | int] | None = None
        for i, element in enumerate(elements):
            if isinstance(element, Alias):
                name = self.bindings.names.get(element.text)
                if name is None:
                    self.note(
                        _NAME,
                        "An expression attribute name used in the document path is not defined; attribute name: "
                        + element.text,
                    )
                    name = element.text
                else:
                    self.bindings.used_names.add(element.text)
                if resolved is None:
                    resolved = list(elements[:i])  # type: ignore[arg-type]
                resolved.append(name)
            else:
                if isinstance(element, int) and element > MAX_LIST_INDEX:
                    self.note(_PATH, f"List index is not within the allowable range; index: [{element}]")
                if resolved is not None:
                    resolved.append(element)
        return path if resolved is None else Path(tuple(resolved))

    def operand(self, operand: Operand) -> Operand:
        if isinstance(operand, Path):
            return self.path(operand)
        if isinstance(operand, ValueRef):
            value = self.bindings.values.get(operand.name)
            if value is None:
                self.note(
                    _VALUE,
                    "An expression attribute value used in expression is not defined; attribute value: "
                    + operand.name,
                )
                return operand
            self.bindings.used_values.add(operand.name)
            return Literal(operand.name, value)
        if isinstance(operand, Call):
            call = Call(operand.name, tuple(self.operand(a) for a in operand.args))
            if len(call.args) != ARITY[call.name]:
                self.note(
                    _ARITY,
                    "Incorrect number of operands for operator or function; "
                    f"operator or function: {call.name}, number of operands: {len(call.args)}",
                )
            else:
                self.check_call(call)
            return call
        if isinstance(operand, Arithmetic):
            return Arithmetic(operand.op, self.operand(operand.left), self.operand(operand.right))
        return operand

    # -- conditions -----------------------------------------------------------------------

    def condition(self, node: Condition) -> Condition:
        if isinstance(node, And):
            return And(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Or):
            return Or(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Not):
            return Not(self.condition(node.operand))
        if isinstance(node, Compare):
            left, right = self.operand(node.left), self.operand(node.right)
            self.distinct(node.op, left, (right,))
            if node.op in ORDERED:
                self.orderable(node.op, (left, right))
            return Compare(node.op, left, right)
        if isinstance(node, Between):
            subject, low, high = self.operand(node.subject), self.operand(node.low), self.operand(node.high)
            self.distinct("BETWEEN", subject, (low, high))
            self.orderable("BETWEEN", (subject, low, high))
            if isinstance(low, Literal) and isinstance(high, Literal):
                self.bounds(low.value, high.value)
            return Between(subject, low, high)
        if isinstance(node, In):
            subject = self.operand(node.subject)
            options = tuple(self.operand(o) for o in node.options)
            self.distinct("IN", subject, options)
            if len(options) > MAX_IN_OPERANDS:
                self.note(
                    _TYPE,
                    f"The IN operator is provided with too many operands; number of operands: {len(options)}",
                )
            return In(subject, options)
        resolved = self.operand(node)
        assert isinstance(resolved, Call)
        if resolved.name in ("contains", "begins_with", "attribute_type") and len(resolved.args) == 2:
            self.distinct(resolved.name, resolved.args[0], resolved.args[1:])
        return resolved

    def distinct(self, op: str, first: Operand, rest: tuple[Operand, ...]) -> None:
        if isinstance(first, Path) and first in rest:
            self.note(
                _DISTINCT,
                "The first operand must be distinct from the remaining operands for this operator or function; "
                f"operator: {op}, first operand: {first.render()}",
                envelope=True,
            )

    def incorrect(self, function: str, operand_type: str) -> None:
        self.note(
            _TYPE,
            f"Incorrect operand type for operator or function; operator or function: {function}, "
            f"operand type: {operand_type}",
        )

    def orderable(self, op: str, operands: tuple[Operand, ...]) -> None:
        for operand in operands:
            found = _operand_type(operand)
            if found is not None and found not in ("S", "N", "B"):
                self.incorrect(op, found)

    def bounds(self, low: AttributeValue, high: AttributeValue) -> None:
        low_type, high_type = type_of(low), type_of(high)
        shown = f"lower bound operand: {_shown(low)}, upper bound operand: {_shown(high)}"
        if low_type != high_type:
            self.note(
                _TYPE, f"The BETWEEN operator requires same data type for lower and upper bounds; {shown}"
            )
        elif low_type in ("S", "N", "B") and compare_scalars(low_type, low[low_type], high[high_type]) > 0:
            self.note(
                _TYPE,
                f"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {shown}",
            )

    def check_call(self, call: Call) -> None:
        name, args = call.name, call.args
        if name in ("attribute_exists", "attribute_not_exists", "if_not_exists"):
            if not isinstance(args[0], Path):
                self.note(
                    _TYPE, f"Operator or function requires a document path; operator or function: {name}"
                )
        elif name == "attribute_type":
            type_name = args[1]
            if isinstance(type_name, Literal):
                tag = type_of(type_name.value)
                if tag != "S":
                    self.incorrect(name, tag)
                elif type_name.value["S"] not in ATTRIBUTE_TYPES:
                    self.note(
                        _TYPE,
                        f"Invalid attribute type name found; type: {type_name.value['S']}, valid types: "
                        f"{ATTRIBUTE_TYPES_SHOWN}",
                    )
        elif name == "begins_with":
            for arg in args:
                found = _operand_type(arg)
                if found is not None and found not in ("S", "B"):
                    self.incorrect(name, found)
        elif name == "size":
            found = _operand_type(args[0])
            if found is not None and found not in ("S", "B", "L", "M") and found not in SET_TYPES:
                self.incorrect(name, found)
        elif name == "list_append":
            for arg in args:
                found = _literal_type(arg)
                if found is not None and found != "L":
                    self.incorrect(name, found)


def _literal_type(operand: Operand) -> str | None:
    return type_of(operand.value) if isinstance(operand, Literal) else None


def _operand_type(operand: Operand) -> str | None:
    """The type an operand has whatever the item: a literal's, or N for size()."""
    if isinstance(operand, Call) and operand.name == "size":
        return "N"
    return _literal_type(operand)


def _shown(value: AttributeValue) -> str:
    tag = type_of(value)
    data = value[tag]
    if isinstance(data, bytes):
        data = base64.b64encode(data).decode("ascii")
    return f"AttributeValue: {{{tag}:{data}}}"


def resolve_condition(kind: str, ast: Condition, bindings: Bindings) -> Condition:
    """Bind a parsed condition (Condition, Filter or KeyCondition) and check it."""
    resolver = _Resolver(kind, bindings)
    resolved = resolver.condition(ast)
    resolver.finish(_CONDITION_ORDER)
    return resolved


# -- projections ------------------------------------------------------------------------------


def resolve_projection(ast: Projection, bindings: Bindings, kind: str = "Projection") -> Projection:
    """Bind a ProjectionExpression and check that its paths neither overlap nor conflict."""
    resolver = _Resolver(kind, bindings)
    paths = tuple(resolver.path(p) for p in ast.paths)
    resolver.finish((_PATH, _NAME))
    check_paths(resolver.fail, paths)
    return Projection(paths)


def check_paths(fail: Callable[..., ExpressionError], paths: tuple[Path, ...]) -> None:
    """Raise DynamoDB's overlap error, then its conflict error, for any two of ``paths``."""
    pairs = [(a, b) for i, a in enumerate(paths) for b in paths[i + 1 :]]
    for a, b in pairs:
        shorter = min(len(a.elements), len(b.elements))
        if a.elements[:shorter] == b.elements[:shorter]:
            raise fail(
                "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                f"path one: {a.render()}, path two: {b.render()}",
                envelope=True,
            )
    for a, b in pairs:
        for x, y in zip(a.elements, b.elements, strict=False):
            if x == y:
                continue
            if isinstance(x, int) != isinstance(y, int):
                raise fail(
                    "Two document paths conflict with each other; must remove or rewrite one of these paths; "
                    f"path one: {a.render()}, path two: {b.render()}",
                    envelope=True,
                )
            break


# -- updates ---------------------------------------------------------------------------------


def resolve_update(ast: Update, bindings: Bindings) -> Update:
    """Bind an UpdateExpression; check paths, operand types and functions, in that order."""
    resolver = _Resolver("Update", bindings)
    actions: list[Action] = []
    for action in ast.actions:
        path = resolver.path(action.path)
        if isinstance(action, SetAction):
            actions.append(SetAction(path, resolver.operand(action.value)))
        elif isinstance(action, RemoveAction):
            actions.append(RemoveAction(path))
        elif isinstance(action, AddAction):
            actions.append(AddAction(path, resolver.operand(action.value)))
        else:
            actions.append(DeleteAction(path, resolver.operand(action.value)))
    resolver.finish((_PATH, _NAME, _VALUE))
    check_paths(resolver.fail, tuple(a.path for a in actions))
    for action in actions:
        if isinstance(action, AddAction | DeleteAction):
            allowed = ("N", *SET_TYPES) if isinstance(action, AddAction) else SET_TYPES
            found = _literal_type(action.value)
            if found is not None and found not in allowed:
                clause = "ADD" if isinstance(action, AddAction) else "DELETE"
                raise resolver.fail(
                    f"Incorrect operand type for operator or function; operator: {clause}, operand type: "
                    f"{LONG_TYPE_NAMES[found]}"
                )
        elif isinstance(action, SetAction) and isinstance(action.value, Arithmetic):
            for side in (action.value.left, action.value.right):
                found = _literal_type(side)
                if found is not None and found != "N":
                    resolver.incorrect(action.value.op, found)
    resolver.finish((_TYPE, _ARITY))
    return Update(tuple(actions))


def java_set_order(keys: list[str]) -> list[str]:
    """``keys`` in the order a Java ``HashSet<String>`` iterates them.

    DynamoDB lists unused ExpressionAttributeNames/Values by iterating such a set, so
    matching its messages byte for byte means reproducing String.hashCode bucketing.
    """
    capacity = 16
    while len(keys) > capacity * 0.75:
        capacity *= 2

    def bucket(key: str) -> int:
        h = 0
        data = key.encode("utf-16-be", "surrogatepass")
        for i in range(0, len(data), 2):
            h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
        h ^= h >> 16
        return h & (capacity - 1)

    return sorted(dict.fromkeys(keys), key=bucket)  # stable: insertion order within a bucket
