"""Projecting items onto document paths (ProjectionExpression, UPDATED_OLD/NEW).

The result keeps only the given paths, nested as in the item; missing paths are left out;
list elements picked by index come back as a compacted list in index order
(``a[1], a[3]`` -> ``a: [v1, v3]``).
"""

from __future__ import annotations

from typing import Any

from expressions.ast import Path
from storage.values import AttributeValue, Item

_WHOLE = object()  # marks "take this whole value" in the request tree


def _tree(paths: tuple[Path, ...]) -> dict[Any, Any]:
    root: dict[Any, Any] = {}
    for path in paths:
        node = root
        elements = path.elements
        for element in elements[:-1]:
            child = node.get(element)
            if child is _WHOLE:
                break
            if child is None:
                child = node[element] = {}
            node = child
        else:
            node[elements[-1]] = _WHOLE
    return root


def _pick(value: AttributeValue, request: Any) -> AttributeValue | None:
    if request is _WHOLE:
        return value
    entries = value.get("M")
    if entries is not None:
        picked = {}
        for key, sub in request.items():
            if isinstance(key, str) and key in entries:
                child = _pick(entries[key], sub)
                if child is not None:
                    picked[key] = child
        return {"M": picked} if picked else None
    items = value.get("L")
    if items is not None:
        chosen = []
        for index in sorted(k for k in request if isinstance(k, int)):
            if index < len(items):
                child = _pick(items[index], request[index])
                if child is not None:
                    chosen.append(child)
        return {"L": chosen} if chosen else None
    return None


def project(item: Item, paths: tuple[Path, ...]) -> Item:
    """The parts of ``item`` named by ``paths``."""
    out: Item = {}
    for name, request in _tree(paths).items():
        value = item.get(name)
        if value is not None:
            picked = _pick(value, request)
            if picked is not None:
                out[name] = picked
    return out


def projector(paths: tuple[Path, ...]) -> Any:
    """A function projecting items onto ``paths`` (top-level-only paths take a fast path)."""
    if all(len(p.elements) == 1 for p in paths):
        names = [p.elements[0] for p in paths]
        return lambda item: {n: item[n] for n in names if n in item}
    return lambda item: project(item, paths)
