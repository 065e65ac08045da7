"""The resolve phase: bind ``#names`` and ``:values``, then the checks that need them.

Resolution turns a cached, request-independent AST into one bound to this request's
ExpressionAttributeNames/Values, recording which of them were used (the caller checks
"unused" across all expressions of the request). Checks run by category over the whole
expression, in DynamoDB's order: undefined names, undefined values, operand counts,
distinct operands, operand types (conditions); undefined names and values, overlapping
paths, conflicting paths, operand types, function checks (updates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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


class _Resolver:
    def __init__(self, kind: str, bindings: Bindings) -> None:
        self.prefix = f"Invalid {kind}Expression: "
        self.bindings = bindings
        self.undefined_name: str | None = None
        self.undefined_value: str | None = None
        self.path_problem: str | None = None

    def fail(self, message: str, *, envelope: bool = False) -> ExpressionError:
        return ExpressionError(self.prefix + message, envelope=envelope)

    # -- binding --------------------------------------------------------------------------

    def path(self, path: Path) -> Path:
        if self.path_problem is None:
            self.path_problem = _path_problem(path)
        if not any(isinstance(e, Alias) for e in path.elements):
            return path
        elements: list[str | int] = []
        for element in path.elements:
            if isinstance(element, Alias):
                name = self.bindings.names.get(element.text)
                if name is None:
                    if self.undefined_name is None:
                        self.undefined_name = element.text
                    name = element.text
                else:
                    self.bindings.used_names.add(element.text)
                elements.append(name)
            else:
                elements.append(element)
        return Path(tuple(elements))

    def operand(self, operand: Operand) -> Operand:
        if isinstance(operand, Path):
            return self.path(operand)
        if isinstance(operand, ValueRef):
            value = self.bindings.values.get(operand.name)
            if value is None:
                if self.undefined_value is None:
                    self.undefined_value = operand.name
                return operand
            self.bindings.used_values.add(operand.name)
            return Literal(operand.name, value)
        if isinstance(operand, Call):
            return Call(operand.name, tuple(self.operand(a) for a in operand.args))
        if isinstance(operand, Arithmetic):
            return Arithmetic(operand.op, self.operand(operand.left), self.operand(operand.right))
        return operand

    def condition(self, node: Condition) -> Condition:
        if isinstance(node, Compare):
            return Compare(node.op, self.operand(node.left), self.operand(node.right))
        if isinstance(node, Between):
            return Between(self.operand(node.subject), self.operand(node.low), self.operand(node.high))
        if isinstance(node, In):
            return In(self.operand(node.subject), tuple(self.operand(o) for o in node.options))
        if isinstance(node, And):
            return And(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Or):
            return Or(self.condition(node.left), self.condition(node.right))
        if isinstance(node, Not):
            return Not(self.condition(node.operand))
        resolved = self.operand(node)
        assert isinstance(resolved, Call)
        return resolved

    def raise_undefined(self) -> None:
        """Path limits, then undefined names, then undefined values."""
        if self.path_problem is not None:
            raise self.fail(self.path_problem)
        if self.undefined_name is not None:
            raise self.fail(
                f"An expression attribute name used in the document path is not defined; attribute name: "
                f"{self.undefined_name}"
            )
        if self.undefined_value is not None:
            raise self.fail(
                f"An expression attribute value used in expression is not defined; attribute value: "
                f"{self.undefined_value}"
            )


def _path_problem(path: Path) -> str | None:
    if len(path.elements) > MAX_PATH_DEPTH:
        return f"The document path has too many nesting levels; nesting levels: {len(path.elements)}"
    for element in path.elements:
        if isinstance(element, int) and element > MAX_LIST_INDEX:
            return f"List index is not within the allowable range; index: [{element}]"
    return None


# -- traversal helpers ----------------------------------------------------------------------


def _operands(node: Condition) -> Iterator[Operand]:
    """Every operand of a condition, depth first (function arguments included)."""
    if isinstance(node, And | Or):
        yield from _operands(node.left)
        yield from _operands(node.right)
    elif isinstance(node, Not):
        yield from _operands(node.operand)
    elif isinstance(node, Compare):
        yield from _expand(node.left)
        yield from _expand(node.right)
    elif isinstance(node, Between):
        for operand in (node.subject, node.low, node.high):
            yield from _expand(operand)
    elif isinstance(node, In):
        for operand in (node.subject, *node.options):
            yield from _expand(operand)
    else:
        yield from _expand(node)


def _expand(operand: Operand) -> Iterator[Operand]:
    yield operand
    if isinstance(operand, Call):
        for arg in operand.args:
            yield from _expand(arg)
    elif isinstance(operand, Arithmetic):
        yield from _expand(operand.left)
        yield from _expand(operand.right)


def _nodes(node: Condition) -> Iterator[Condition]:
    yield node
    if isinstance(node, And | Or):
        yield from _nodes(node.left)
        yield from _nodes(node.right)
    elif isinstance(node, Not):
        yield from _nodes(node.operand)


def _literal_type(operand: Operand) -> str | None:
    return type_of(operand.value) if isinstance(operand, Literal) else None


def _shown(value: AttributeValue) -> str:
    tag = type_of(value)
    data = value[tag]
    return f"AttributeValue: {{{tag}:{data}}}"


# -- conditions -----------------------------------------------------------------------------


def resolve_condition(kind: str, ast: Condition, bindings: Bindings) -> Condition:
    """Bind a parsed condition (Condition, Filter or KeyCondition) and check it."""
    resolver = _Resolver(kind, bindings)
    resolved = resolver.condition(ast)
    resolver.raise_undefined()
    _check_arity(resolver, _operands(resolved))
    _check_distinct(resolver, resolved)
    _check_condition_types(resolver, resolved)
    return resolved


def _check_arity(resolver: _Resolver, operands: Iterator[Operand]) -> None:
    for operand in operands:
        if isinstance(operand, Call) and len(operand.args) != ARITY[operand.name]:
            raise resolver.fail(
                "Incorrect number of operands for operator or function; "
                f"operator or function: {operand.name}, number of operands: {len(operand.args)}"
            )


def _check_distinct(resolver: _Resolver, node: Condition) -> None:
    def distinct(op: str, first: Operand, rest: tuple[Operand, ...]) -> None:
        if isinstance(first, Path) and first in rest:
            raise resolver.fail(
                "The first operand must be distinct from the remaining operands for this operator or function; "
                f"operator: {op}, first operand: {first.render()}",
                envelope=True,
            )

    for sub in _nodes(node):
        if isinstance(sub, Compare):
            distinct(sub.op, sub.left, (sub.right,))
        elif isinstance(sub, Between):
            distinct("BETWEEN", sub.subject, (sub.low, sub.high))
        elif isinstance(sub, In):
            distinct("IN", sub.subject, sub.options)
        elif isinstance(sub, Call) and sub.name in ("contains", "begins_with", "attribute_type"):
            distinct(sub.name, sub.args[0], sub.args[1:])


def _incorrect(resolver: _Resolver, function: str, operand_type: str) -> ExpressionError:
    return resolver.fail(
        f"Incorrect operand type for operator or function; operator or function: {function}, "
        f"operand type: {operand_type}"
    )


def _requires_path(resolver: _Resolver, function: str) -> ExpressionError:
    return resolver.fail(f"Operator or function requires a document path; operator or function: {function}")


def _operand_type(operand: Operand) -> str | None:
    """The type an operand has whatever the item: a literal's, or N for size()."""
    if isinstance(operand, Call) and operand.name == "size":
        return "N"
    return _literal_type(operand)


def _check_condition_types(resolver: _Resolver, node: Condition) -> None:
    for operand in _operands(node):
        if isinstance(operand, Call):
            _check_call(resolver, operand)
    for sub in _nodes(node):
        if isinstance(sub, In) and len(sub.options) > MAX_IN_OPERANDS:
            raise resolver.fail(
                f"The IN operator is provided with too many operands; number of operands: {len(sub.options)}"
            )
        if isinstance(sub, Compare) and sub.op in ORDERED:
            for operand in (sub.left, sub.right):
                found = _operand_type(operand)
                if found is not None and found not in ("S", "N", "B"):
                    raise _incorrect(resolver, sub.op, found)
        elif isinstance(sub, Between):
            for operand in (sub.subject, sub.low, sub.high):
                found = _operand_type(operand)
                if found is not None and found not in ("S", "N", "B"):
                    raise _incorrect(resolver, "BETWEEN", found)
            if isinstance(sub.low, Literal) and isinstance(sub.high, Literal):
                _check_bounds(resolver, sub.low.value, sub.high.value)


def _check_bounds(resolver: _Resolver, low: AttributeValue, high: AttributeValue) -> None:
    low_type, high_type = type_of(low), type_of(high)
    shown = f"lower bound operand: {_shown(low)}, upper bound operand: {_shown(high)}"
    if low_type != high_type:
        raise resolver.fail(
            f"The BETWEEN operator requires same data type for lower and upper bounds; {shown}"
        )
    if compare_scalars(low_type, low[low_type], high[high_type]) > 0:
        raise resolver.fail(
            f"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {shown}"
        )


def _check_call(resolver: _Resolver, call: Call) -> None:
    name, args = call.name, call.args
    if name in ("attribute_exists", "attribute_not_exists"):
        if not isinstance(args[0], Path):
            raise _requires_path(resolver, name)
    elif name == "attribute_type":
        type_name = args[1]
        if isinstance(type_name, Literal):
            tag = type_of(type_name.value)
            if tag != "S":
                raise _incorrect(resolver, name, tag)
            if type_name.value["S"] not in ATTRIBUTE_TYPES:
                raise resolver.fail(
                    f"Invalid attribute type name found; type: {type_name.value['S']}, valid types: "
                    f"{ATTRIBUTE_TYPES_SHOWN}"
                )
    elif name == "begins_with":
        for arg in args:
            found = _operand_type(arg)
            if found is not None and found not in ("S", "B"):
                raise _incorrect(resolver, name, found)
    elif name == "size":
        found = _operand_type(args[0])
        if found is not None and found not in ("S", "B", "L", "M") and found not in SET_TYPES:
            raise _incorrect(resolver, name, found)


# -- projections ------------------------------------------------------------------------------


def resolve_projection(ast: Projection, bindings: Bindings, kind: str = "Projection") -> Projection:
    """Bind a ProjectionExpression and check that its paths neither overlap nor conflict."""
    resolver = _Resolver(kind, bindings)
    paths = tuple(resolver.path(p) for p in ast.paths)
    resolver.raise_undefined()
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
    """Bind an UpdateExpression and check paths and operand types."""
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
    resolver.raise_undefined()
    check_paths(resolver.fail, tuple(a.path for a in actions))
    for action in actions:
        if isinstance(action, AddAction):
            found = _literal_type(action.value)
            if found is not None and found not in ("N", *SET_TYPES):
                raise resolver.fail(
                    f"Incorrect operand type for operator or function; operator: ADD, operand type: "
                    f"{LONG_TYPE_NAMES[found]}"
                )
        elif isinstance(action, DeleteAction):
            found = _literal_type(action.value)
            if found is not None and found not in SET_TYPES:
                raise resolver.fail(
                    f"Incorrect operand type for operator or function; operator: DELETE, operand type: "
                    f"{LONG_TYPE_NAMES[found]}"
                )
        elif isinstance(action, SetAction):
            for operand in _expand(action.value):
                if isinstance(operand, Arithmetic):
                    for side in (operand.left, operand.right):
                        found = _literal_type(side)
                        if found is not None and found != "N":
                            raise _incorrect(resolver, operand.op, found)
    for action in actions:
        if isinstance(action, SetAction):
            _check_arity(resolver, _expand(action.value))
            for operand in _expand(action.value):
                if not isinstance(operand, Call):
                    continue
                if operand.name == "if_not_exists" and not isinstance(operand.args[0], Path):
                    raise _requires_path(resolver, "if_not_exists")
                if operand.name == "list_append":
                    for arg in operand.args:
                        found = _literal_type(arg)
                        if found is not None and found != "L":
                            raise _incorrect(resolver, "list_append", found)
    return Update(tuple(actions))


def number_literal(operand: Operand) -> Decimal | None:
    """A literal number's value (precomputed for evaluation), else None."""
    if isinstance(operand, Literal) and "N" in operand.value:
        return Decimal(operand.value["N"])
    return None


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
