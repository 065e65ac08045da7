"""Applying a resolved UpdateExpression: plan against the old item, then build a new one.

Every right-hand side is evaluated against the item *as it was* (``SET a = b, b = a``
swaps), list indexes in REMOVE refer to original positions, and the old item is never
modified: the new item is a copy, with nested containers copied only where they change.
Any failure raises :class:`UpdateError` (or ``InvalidValue`` for arithmetic out of range)
and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from expressions.ast import (
    AddAction,
    Arithmetic,
    Call,
    DeleteAction,
    Literal,
    Operand,
    Path,
    RemoveAction,
    SetAction,
    Update,
)
from expressions.errors import INVALID_PATH, MISSING_OPERAND, WRONG_TYPE, UpdateError
from expressions.evaluate import get_path
from storage.errors import InvalidValue
from storage.values import NUMBER_CONTEXT, NUMBER_OVERFLOW, SET_TYPES, AttributeValue, Item, canonical_decimal


def copy_value(value: AttributeValue) -> AttributeValue:
    """A copy of an attribute value deep enough to modify its containers."""
    ((tag, data),) = value.items()
    if tag == "M":
        return {"M": {k: copy_value(v) for k, v in data.items()}}
    if tag == "L":
        return {"L": [copy_value(v) for v in data]}
    if tag in SET_TYPES:
        return {tag: list(data)}
    return value


def _value(operand: Operand, base: Item) -> AttributeValue:
    """A SET right-hand side, evaluated against the item before the update."""
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, Path):
        value = get_path(base, operand)
        if value is None:
            raise UpdateError(MISSING_OPERAND)
        return value
    if isinstance(operand, Arithmetic):
        left, right = _value(operand.left, base), _value(operand.right, base)
        if "N" not in left or "N" not in right:
            raise UpdateError(WRONG_TYPE)
        a, b = Decimal(left["N"]), Decimal(right["N"])
        result = NUMBER_CONTEXT.add(a, b) if operand.op == "+" else NUMBER_CONTEXT.subtract(a, b)
        return {"N": arithmetic_result(result)}
    if isinstance(operand, Call):
        if operand.name == "if_not_exists":
            target = operand.args[0]
            assert isinstance(target, Path)
            existing = get_path(base, target)
            return existing if existing is not None else _value(operand.args[1], base)
        if operand.name == "list_append":
            left, right = _value(operand.args[0], base), _value(operand.args[1], base)
            if "L" not in left or "L" not in right:
                raise UpdateError(WRONG_TYPE)
            return {"L": [*left["L"], *right["L"]]}
    raise UpdateError(WRONG_TYPE)  # pragma: no cover - the parser admits nothing else


def arithmetic_result(value: Decimal) -> str:
    """Validate a computed number. DynamoDB reports lost precision as an overflow."""
    try:
        return canonical_decimal(value)
    except InvalidValue as exc:
        if "significant digits" in exc.message:
            raise InvalidValue(NUMBER_OVERFLOW) from None
        raise


class _Builder:
    """The new item, copying top-level attributes the first time something inside changes."""

    def __init__(self, base: Item) -> None:
        self.item: dict[str, AttributeValue] = dict(base)
        self._copied: set[str] = set()

    def _owned(self, name: str) -> AttributeValue | None:
        value = self.item.get(name)
        if value is not None and name not in self._copied:
            value = copy_value(value)
            self.item[name] = value
            self._copied.add(name)
        return value

    def parent(self, path: Path, *, strict: bool) -> Any:
        """The container holding the last element of ``path`` (a map's dict or a list).

        Missing or mistyped intermediate nodes are an invalid path (``strict``) or None.
        """
        elements = path.elements
        first = elements[0]
        assert isinstance(first, str)
        if len(elements) == 1:
            return self.item
        node = self._owned(first)
        for element in elements[1:-1]:
            node = _child(node, element)
            if node is None:
                break
        if node is None:
            if strict:
                raise UpdateError(INVALID_PATH)
            return None
        last = elements[-1]
        container = node.get("L") if isinstance(last, int) else node.get("M")
        if container is None and strict:
            raise UpdateError(INVALID_PATH)
        return container

    def set(self, path: Path, value: AttributeValue) -> None:
        last = path.elements[-1]
        container = self.parent(path, strict=True)
        if isinstance(last, int):
            if last >= len(container):
                container.append(value)  # past the end appends, as DynamoDB does
            else:
                container[last] = value
        else:
            container[last] = value
            if len(path.elements) == 1:
                assert isinstance(last, str)
                self._copied.add(last)

    def remove(self, paths: list[Path]) -> None:
        # List elements go last-to-first so that every index still names the original element.
        by_index = sorted(
            (p for p in paths if isinstance(p.elements[-1], int)), key=_last_index, reverse=True
        )
        for path in [p for p in paths if not isinstance(p.elements[-1], int)] + by_index:
            last = path.elements[-1]
            container = self.parent(path, strict=True)
            if isinstance(last, int):
                if last < len(container):
                    del container[last]
            else:
                container.pop(last, None)


def _last_index(path: Path) -> int:
    last = path.elements[-1]
    assert isinstance(last, int)
    return last


def _child(node: AttributeValue | None, element: str | int | Any) -> AttributeValue | None:
    if node is None:
        return None
    if isinstance(element, int):
        items = node.get("L")
        return items[element] if items is not None and element < len(items) else None
    entries = node.get("M")
    return entries.get(element) if entries is not None else None


def _add(existing: AttributeValue | None, value: AttributeValue) -> AttributeValue:
    ((tag, data),) = value.items()
    if existing is None:
        return value
    if tag not in existing:
        raise UpdateError(WRONG_TYPE)
    current = existing[tag]
    if tag == "N":
        return {"N": arithmetic_result(NUMBER_CONTEXT.add(Decimal(current), Decimal(data)))}
    if tag == "NS":
        seen = {Decimal(n) for n in current}
        return {"NS": current + [n for n in data if Decimal(n) not in seen]}
    members = set(current)
    return {tag: current + [m for m in data if m not in members]}


def _delete(existing: AttributeValue, value: AttributeValue) -> AttributeValue | None:
    ((tag, data),) = value.items()
    if tag not in existing:
        raise UpdateError(WRONG_TYPE)
    if tag == "NS":
        doomed = {Decimal(n) for n in data}
        remaining = [n for n in existing["NS"] if Decimal(n) not in doomed]
    else:
        removed = set(data)
        remaining = [m for m in existing[tag] if m not in removed]
    return {tag: remaining} if remaining else None


def apply_update(update: Update, old: Item | None, key: Item) -> Item | None:
    """The item after ``update``; None when the item does not exist and is not created.

    A missing item is created (from its key) unless the update only removes.
    """
    if old is None and all(isinstance(a, RemoveAction | DeleteAction) for a in update.actions):
        return None
    base: Item = old if old is not None else dict(key)
    builder = _Builder(base)
    planned = [
        (action, _value(action.value, base)) for action in update.actions if isinstance(action, SetAction)
    ]
    # Appends past the end of a list happen in ascending index order, as DynamoDB does them.
    planned.sort(
        key=lambda pair: _last_index(pair[0].path) if isinstance(pair[0].path.elements[-1], int) else -1
    )
    for action, value in planned:
        builder.set(action.path, value)
    removals = [a.path for a in update.actions if isinstance(a, RemoveAction)]
    if removals:
        builder.remove(removals)
    for other in update.actions:
        if isinstance(other, AddAction):
            value = _value(other.value, base)
            builder.set(other.path, _add(get_path(base, other.path), value))
        elif isinstance(other, DeleteAction):
            existing = get_path(base, other.path)
            if existing is None:
                continue
            remaining = _delete(existing, _value(other.value, base))
            if remaining is None:
                builder.remove([other.path])
            else:
                builder.set(other.path, remaining)
    return builder.item


def touched_paths(update: Update) -> tuple[Path, ...]:
    """Paths UPDATED_OLD and UPDATED_NEW report, projected on the old or the new item.

    A removed attribute is absent from the new item, so UPDATED_NEW leaves it out; a
    removed list element reports whatever moved into its index, as DynamoDB does.
    """
    return tuple(a.path for a in update.actions)
