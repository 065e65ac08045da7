"""Compile resolved conditions to closures: one Python call per item evaluated.

Semantics (reference 5.4, 5.7): a path that is missing (absent attribute, index out of
range, path through a non-map or non-list) is *unset*; ``=`` is false and ``<>`` true when
either side is unset or the types differ; ordered comparisons and BETWEEN need both sides
present and of the same type among S, N and B (strings by UTF-8 bytes, numbers by value,
binary unsigned); functions on missing attributes are false (``attribute_not_exists``
true); sets compare unordered, numbers by value. An absent item is an empty item.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from expressions.ast import (
    And,
    Arithmetic,
    Between,
    Call,
    Compare,
    Condition,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
)
from storage.values import SET_TYPES, AttributeValue, Item, values_equal

Getter = Callable[[Item], AttributeValue | None]
Predicate = Callable[[Item], bool]


def path_getter(path: Path) -> Getter:
    """A function returning the value at ``path`` in an item, or None."""
    elements = path.elements
    first = elements[0]
    assert isinstance(first, str)
    if len(elements) == 1:
        return lambda item: item.get(first)
    rest = elements[1:]

    def get(item: Item) -> AttributeValue | None:
        value = item.get(first)
        for element in rest:
            if value is None:
                return None
            if isinstance(element, int):
                items = value.get("L")
                if items is None or element >= len(items):
                    return None
                value = items[element]
            else:
                entries = value.get("M")
                if entries is None:
                    return None
                value = entries.get(element)
        return value

    return get


def get_path(item: Item, path: Path) -> AttributeValue | None:
    return path_getter(path)(item)


def _size(value: AttributeValue | None) -> AttributeValue | None:
    if value is None:
        return None
    ((tag, data),) = value.items()
    if tag == "S":
        # Java's String.length(): UTF-16 code units (DynamoDB Local and other emulators agree).
        return {
            "N": str(len(data) if data.isascii() else len(data.encode("utf-16-le", "surrogatepass")) // 2)
        }
    if tag in ("B", "L", "M") or tag in SET_TYPES:
        return {"N": str(len(data))}
    return None


def operand_getter(operand: Operand) -> Getter:
    if isinstance(operand, Path):
        return path_getter(operand)
    if isinstance(operand, Literal):
        value = operand.value
        return lambda item: value
    if isinstance(operand, Call) and operand.name == "size":
        inner = operand_getter(operand.args[0])
        return lambda item: _size(inner(item))
    raise TypeError(f"not a condition operand: {operand!r}")  # guarded by the parser/resolver


def _scalar(value: AttributeValue | None) -> tuple[str, Any] | None:
    """(tag, comparable) for S, N and B values; None otherwise."""
    if value is None:
        return None
    ((tag, data),) = value.items()
    if tag == "N":
        return tag, Decimal(data)
    if tag == "S" or tag == "B":
        return tag, data
    return None


def _ordered(op: str) -> Callable[[Any, Any], bool]:
    return {
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]


def _compare(node: Compare) -> Predicate:
    left, right = operand_getter(node.left), operand_getter(node.right)
    op = node.op
    if op == "=" or op == "<>":
        want = op == "="
        if isinstance(node.right, Literal) and isinstance(node.left, Path) and len(node.right.value) == 1:
            # Fast path: stored numbers and literals are canonical, so equal scalars have equal payloads.
            ((tag, payload),) = node.right.value.items()
            if tag in ("S", "N", "B", "BOOL", "NULL"):
                get = left

                def equal_literal(item: Item) -> bool:
                    value = get(item)
                    return (value is not None and value.get(tag) == payload) is want

                return equal_literal

        def equal(item: Item) -> bool:
            a, b = left(item), right(item)
            return (a is not None and b is not None and values_equal(a, b)) is want

        return equal
    holds = _ordered(op)

    def ordered(item: Item) -> bool:
        a, b = _scalar(left(item)), _scalar(right(item))
        return a is not None and b is not None and a[0] == b[0] and holds(a[1], b[1])

    return ordered


def _between(node: Between) -> Predicate:
    subject, low, high = operand_getter(node.subject), operand_getter(node.low), operand_getter(node.high)

    def between(item: Item) -> bool:
        v, lo, hi = _scalar(subject(item)), _scalar(low(item)), _scalar(high(item))
        if v is None or lo is None or hi is None or not v[0] == lo[0] == hi[0]:
            return False
        return bool(lo[1] <= v[1] <= hi[1])

    return between


def _in(node: In) -> Predicate:
    subject = operand_getter(node.subject)
    options = [operand_getter(o) for o in node.options]

    def within(item: Item) -> bool:
        value = subject(item)
        if value is None:
            return False
        for option in options:
            candidate = option(item)
            if candidate is not None and values_equal(value, candidate):
                return True
        return False

    return within


def _contains(haystack: AttributeValue | None, needle: AttributeValue | None) -> bool:
    if haystack is None or needle is None:
        return False
    ((tag, data),) = haystack.items()
    ((ntag, ndata),) = needle.items()
    if tag == "S" or tag == "B":
        return ntag == tag and ndata in data
    if tag in SET_TYPES:
        if ntag != tag[0]:
            return False
        if ntag == "N":
            target = Decimal(ndata)
            return any(Decimal(member) == target for member in data)
        return ndata in data
    if tag == "L":
        return any(values_equal(element, needle) for element in data)
    return False


def _begins_with(value: AttributeValue | None, prefix: AttributeValue | None) -> bool:
    if value is None or prefix is None:
        return False
    ((tag, data),) = value.items()
    ((ptag, pdata),) = prefix.items()
    return tag == ptag and tag in ("S", "B") and bool(data.startswith(pdata))


def _call(node: Call) -> Predicate:
    name = node.name
    args = [operand_getter(a) for a in node.args]
    if name == "attribute_exists":
        get = args[0]
        return lambda item: get(item) is not None
    if name == "attribute_not_exists":
        get = args[0]
        return lambda item: get(item) is None
    if name == "attribute_type":
        get, wanted = args

        def has_type(item: Item) -> bool:
            value, expected = get(item), wanted(item)
            return value is not None and expected is not None and next(iter(value)) == expected.get("S")

        return has_type
    if name == "begins_with":
        first, second = args
        return lambda item: _begins_with(first(item), second(item))
    if name == "contains":
        first, second = args
        return lambda item: _contains(first(item), second(item))
    raise TypeError(f"not a condition function: {name}")  # guarded by the parser


def compile_condition(node: Condition) -> Predicate:
    """A function ``item -> bool`` for a resolved condition."""
    if isinstance(node, Compare):
        return _compare(node)
    if isinstance(node, And):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda item: left(item) and right(item)
    if isinstance(node, Or):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda item: left(item) or right(item)
    if isinstance(node, Not):
        inner = compile_condition(node.operand)
        return lambda item: not inner(item)
    if isinstance(node, Between):
        return _between(node)
    if isinstance(node, In):
        return _in(node)
    if isinstance(node, Arithmetic):  # pragma: no cover - not a condition
        raise TypeError("arithmetic is not a condition")
    return _call(node)


def top_level_names(node: Condition) -> list[str]:
    """Top-level attribute names a resolved condition reads, in order of appearance."""
    names: list[str] = []

    def visit(operand: Operand) -> None:
        if isinstance(operand, Path):
            first = operand.elements[0]
            assert isinstance(first, str)
            names.append(first)
        elif isinstance(operand, Call):
            for arg in operand.args:
                visit(arg)

    def walk(sub: Condition) -> None:
        if isinstance(sub, And | Or):
            walk(sub.left)
            walk(sub.right)
        elif isinstance(sub, Not):
            walk(sub.operand)
        elif isinstance(sub, Compare):
            visit(sub.left)
            visit(sub.right)
        elif isinstance(sub, Between):
            for operand in (sub.subject, sub.low, sub.high):
                visit(operand)
        elif isinstance(sub, In):
            for operand in (sub.subject, *sub.options):
                visit(operand)
        else:
            visit(sub)

    walk(node)
    return names
