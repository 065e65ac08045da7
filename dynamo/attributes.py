"""AttributeValue shapes: type checks, conversion and DynamoDB's value rules in one walk.

Loading an attribute value checks its JSON types (SerializationException, raised at once),
converts it (base64 -> bytes for HTTP, numbers to their canonical form) and checks the
value rules of reference section 2.2: exactly one type tag, ``NULL`` true, non-empty and
duplicate-free sets, valid numbers, at most 32 levels of nesting. Value-rule violations are
*noted* rather than raised, so that a type error later in the request still wins, and the
request's constraint errors are reported before them (reference 1.3).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from dynamo.errors import DynamoError, invalid_parameters, serialization, validation
from dynamo.shapes import Errors, Rendered, Shape, load_blob, load_boolean, load_string, render, storable_text
from storage.errors import InvalidValue
from storage.values import canonical_number

_AV_JAVA: Final = "com.amazonaws.dynamodb.v20120810.AttributeValue"
_STRUCT_OR_MAP: Final = "Start of structure or map found where not expected"
# A top-level attribute's value may hold 31 levels of nested maps/lists; 32 is too many.
MAX_CONTAINER_DEPTH: Final = 31

NESTING_TOO_DEEP: Final = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
EMPTY_VALUE: Final = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MANY_TYPES: Final = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"

Wrap = Callable[[str, DynamoError], DynamoError]


def _text(value: Any) -> str:
    """A string (a map key, from the embedded client, need not even be one) with a UTF-8 form."""
    if type(value) is not str:
        raise serialization("Unexpected value type in payload")
    return storable_text(value)


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value) if isinstance(value, tuple) else value
    if isinstance(value, dict):
        raise serialization(_STRUCT_OR_MAP)
    raise serialization("Unexpected field type")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        raise serialization(f"Unrecognized collection type java.util.Map<java.lang.String, {_AV_JAVA}>")
    raise serialization("Unexpected field type")


def _render_set(members: list[Any]) -> str:
    return "[" + ", ".join(members) + "]"


class _Loader:
    """One walk over attribute values; remembers the first value-rule violation."""

    __slots__ = ("errors", "mode")

    def __init__(self, errors: Errors, mode: str) -> None:
        self.errors = errors
        self.mode = mode

    def value(self, raw: Any, depth: int) -> dict[str, Any]:
        if not isinstance(raw, dict):
            if isinstance(raw, list):
                raise serialization(f"Unrecognized collection type class {_AV_JAVA}")
            raise serialization("Unexpected value type in payload")
        if len(raw) == 1:
            # Fast path for the common single-tag value.
            ((tag, data),) = raw.items()
            if tag == "S" and type(data) is str:
                storable_text(data)
                return raw
            if data is None:
                self.errors.note(validation(EMPTY_VALUE))
                return raw
            return self._typed(tag, data, depth) if tag in _TAGS else self._empty(raw)
        out: dict[str, Any] = {}
        for tag, data in raw.items():
            if data is None or tag not in _TAGS:
                continue  # null members are absent; unknown members are ignored
            out.update(self._typed(tag, data, depth))
        if len(out) != 1:
            self.errors.note(validation(EMPTY_VALUE if not out else MANY_TYPES))
        return out

    def _empty(self, raw: dict[str, Any]) -> dict[str, Any]:
        self.errors.note(validation(EMPTY_VALUE))
        return raw

    def _typed(self, tag: str, data: Any, depth: int) -> dict[str, Any]:
        note = self.errors.note
        if tag == "S":
            return {"S": load_string(data)}
        if tag == "N":
            text = load_string(data)
            try:
                return {"N": canonical_number(text)}
            except InvalidValue as exc:
                note(validation(exc.message))
                return {"N": text}
        if tag == "B":
            return {"B": load_blob(data, self.mode)}
        if tag == "BOOL":
            return {"BOOL": load_boolean(data)}
        if tag == "NULL":
            if not load_boolean(data):
                note(
                    invalid_parameters(
                        "Null attribute value types must have the value of true", envelope=True
                    )
                )
            return {"NULL": True}
        if tag == "SS":
            members = [load_string(m) for m in _list(data)]
            if not members:
                note(invalid_parameters("An string set  may not be empty", envelope=True))
            elif len(set(members)) != len(members):
                note(
                    invalid_parameters(
                        f"Input collection {_render_set(members)} contains duplicates.", envelope=True
                    )
                )
            return {"SS": members}
        if tag == "NS":
            texts = [load_string(m) for m in _list(data)]
            if not texts:
                note(invalid_parameters("An number set  may not be empty", envelope=True))
                return {"NS": texts}
            canonical = []
            for text in texts:
                try:
                    canonical.append(canonical_number(text))
                except InvalidValue as exc:
                    note(validation(exc.message))
                    return {"NS": texts}
            if len({Decimal(n) for n in canonical}) != len(canonical):
                note(validation("Input collection contains duplicates"))
            return {"NS": canonical}
        if tag == "BS":
            blobs = [load_blob(m, self.mode) for m in _list(data)]
            if not blobs:
                note(invalid_parameters("Binary sets should not be empty", envelope=True))
            elif len(set(blobs)) != len(blobs):
                shown = _render_set([base64.b64encode(b).decode() for b in blobs])
                note(
                    invalid_parameters(
                        f"Input collection {shown}of type BS contains duplicates.", envelope=True
                    )
                )
            return {"BS": blobs}
        if tag == "L":
            elements = _list(data)
            if depth >= MAX_CONTAINER_DEPTH:
                note(validation(NESTING_TOO_DEEP))
                return {"L": elements}  # refused anyway: no need to walk (or recurse) deeper
            return {"L": [self.value(e, depth + 1) for e in elements]}
        # tag == "M"
        entries = _map(data)
        if depth >= MAX_CONTAINER_DEPTH:
            note(validation(NESTING_TOO_DEEP))
            return {"M": entries}
        return {"M": {_text(k): self.value(v, depth + 1) for k, v in entries.items() if v is not None}}


_TAGS: Final = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})


# The fields of DynamoDB's Java AttributeValue, in the order its toString prints them
# (the service model has a few internal types besides the public ones).
_JAVA_FIELDS: Final = (
    ("s", "S"),
    ("n", "N"),
    ("b", "B"),
    ("iNT", None),
    ("dECIMAL", None),
    ("dOUBLE", None),
    ("sS", "SS"),
    ("nS", "NS"),
    ("bS", "BS"),
    ("iNTSET", None),
    ("dECIMALSET", None),
    ("dOUBLESET", None),
    ("m", "M"),
    ("l", "L"),
    ("nULL", "NULL"),
    ("bOOL", "BOOL"),
)


def java_value(value: dict[str, Any]) -> Rendered:
    """An attribute value as DynamoDB echoes it in constraint messages."""
    parts = []
    for field, tag in _JAVA_FIELDS:
        data = value.get(tag) if tag is not None else None
        if tag == "M" and data is not None:
            shown = render(java_item(data))
        elif tag == "L" and data is not None:
            shown = render([java_value(v) for v in data])
        else:
            shown = render(data)
        parts.append(f"{field}={shown}")
    return Rendered(f"AttributeValue({', '.join(parts)})")


def java_item(item: dict[str, Any]) -> dict[str, Rendered]:
    return {name: java_value(value) for name, value in item.items()}


class AttributeValueShape(Shape):
    """A single ``AttributeValue`` (a value struct in DynamoDB's model)."""

    java = _AV_JAVA

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        return _Loader(errors, mode).value(value, 0)

    def java_repr(self, value: Any) -> Any:
        return java_value(value)


class AttributeMapShape(Shape):
    """``Map<String, AttributeValue>``: an item, a key, or ExpressionAttributeValues.

    ``wrap`` rewrites a value-rule error with the context DynamoDB adds for this member
    (e.g. ``ExpressionAttributeValues contains invalid value: ... for key :v``).
    """

    java = "java.util.Map"

    def __init__(self, *, wrap: Wrap | None = None) -> None:
        self.wrap = wrap

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        entries = _map(value)
        if self.wrap is None:
            loader = _Loader(errors, mode)
            return {_text(name): loader.value(v, 0) for name, v in entries.items() if v is not None}
        out = {}
        for name, v in entries.items():
            if v is None:
                continue
            local = Errors()
            out[_text(name)] = _Loader(local, mode).value(v, 0)
            if local.semantic is not None:
                errors.note(self.wrap(name, local.semantic))
        return out

    def java_repr(self, value: Any) -> Any:
        return java_item(value)
