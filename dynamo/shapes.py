"""Request shapes and the generic checker that turns bad input into DynamoDB's exact errors.

Each operation module declares its request as a :class:`Struct` of members. Loading a
request walks it once and does, in DynamoDB's order (reference 1.3):

1. **type checks** -> ``SerializationException`` with the Java/Jackson message DynamoDB
   shows (``NUMBER_VALUE cannot be converted to String``, ...), raised at the first one;
2. **required members** -> ``The parameter 'X' is required but was not present in the
   request`` (the first missing one only);
3. **constraints** (not null, ranges, lengths, patterns, enums) -> one ValidationException
   listing up to ten ``Value '<v>' at '<path>' failed to satisfy constraint: <rule>``.

The same walk converts the wire form into the internal one: base64 text becomes ``bytes``
for HTTP requests, while the embedded client passes ``bytes`` (or ``str``, as boto3
allows). Unknown members are dropped and JSON ``null`` counts as absent.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from dynamo.errors import DynamoError, serialization, validation

JSON: Final = "json"  # HTTP: blobs arrive as base64 text
PYTHON: Final = "python"  # embedded client: blobs arrive as bytes (or str, encoded as UTF-8)

_MODEL: Final = "com.amazonaws.dynamodb.v20120810."
_STRUCT_OR_MAP: Final = "Start of structure or map found where not expected"
_MAX_REPORTED: Final = 10


def _json_kind(value: Any) -> str:
    """The Jackson token name DynamoDB's messages use for a scalar JSON value."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, int):
        return "NUMBER_VALUE"
    if isinstance(value, float):
        return "DECIMAL_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    # Not a JSON value at all (the embedded client with parameter validation off).
    raise serialization("Unexpected value type in payload")


class Errors:
    """What one load found besides type errors (which are raised at once).

    ``items`` are constraint violations, reported together; ``semantic`` is the first
    semantic error (an invalid attribute value, ...), reported only if there are no
    constraint violations, because DynamoDB checks those first.
    """

    __slots__ = ("items", "semantic")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.semantic: DynamoError | None = None

    def note(self, error: DynamoError) -> None:
        if self.semantic is None:
            self.semantic = error

    def add(self, value: Any, path: str, rule: str) -> None:
        shown = "Value null" if value is None else f"Value '{render(value)}'"
        self.items.append(f"{shown} at '{path}' failed to satisfy constraint: {rule}")

    def add_unvalued(self, path: str, rule: str) -> None:
        """A violation in the newer wording that does not echo the value."""
        self.items.append(f"Value at '{path}' failed to satisfy constraint: {rule}")

    def raise_if_any(self) -> None:
        if self.items:
            raise constraint_error(self.items)


def constraint_error(items: Sequence[str]) -> DynamoError:
    items = list(items)[:_MAX_REPORTED]
    count = len(items)
    noun = "error" if count == 1 else "errors"
    return validation(f"{count} validation {noun} detected: " + "; ".join(items))


def render(value: Any) -> str:
    """A value as Java's ``toString`` shows it in constraint messages."""
    if isinstance(value, Rendered):
        return value.text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


class Rendered:
    """A value whose Java rendering was computed by its shape (structures)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Shape:
    """Base of all shapes. ``load`` type-checks and converts; constraints go to ``errors``."""

    java: str = ""

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        raise NotImplementedError

    def constrain(self, value: Any, path: str, errors: Errors) -> None:
        """Check constraints of a loaded (non-null) value."""

    def java_repr(self, value: Any) -> Any:
        return value


def storable_text(value: str) -> str:
    """``value``, if it has a UTF-8 form: JSON from the wire always does, but a Python string
    from the embedded client may hold lone surrogates (refused as DynamoDB refuses bad JSON)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serialization() from None
    return value


def java_length(value: str) -> int:
    """A string's length as DynamoDB's (Java) constraints count it: in UTF-16 code units."""
    return len(value) if value.isascii() else len(value.encode("utf-16-le")) // 2


def load_string(value: Any) -> str:
    """Type-check a JSON value where DynamoDB expects a String."""
    if type(value) is str:
        return storable_text(value)
    if isinstance(value, dict):
        raise serialization(_STRUCT_OR_MAP)
    if isinstance(value, list):
        raise serialization("Unrecognized collection type class java.lang.String")
    if isinstance(value, str):
        return storable_text(str(value))
    raise serialization(f"{_json_kind(value)} cannot be converted to String")


def load_boolean(value: Any) -> bool:
    """Type-check a JSON value where DynamoDB expects a Boolean."""
    if value is True or value is False:
        return value
    if isinstance(value, dict):
        raise serialization(_STRUCT_OR_MAP)
    if isinstance(value, list):
        raise serialization("Unrecognized collection type class java.lang.Boolean")
    if isinstance(value, str):
        raise serialization("Unexpected token received from parser")
    raise serialization(f"{_json_kind(value)} cannot be converted to Boolean")


class String(Shape):
    java = "java.lang.String"

    def __init__(
        self,
        *,
        min_len: int | None = None,
        max_len: int | None = None,
        pattern: str | None = None,
        enum: Sequence[str] | None = None,
    ) -> None:
        self.min_len = min_len
        self.max_len = max_len
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_text = pattern
        self.enum = list(enum) if enum is not None else None
        self.enum_set = frozenset(self.enum) if self.enum is not None else None

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        value = load_string(value)
        self.constrain(value, path, errors)
        return value

    def constrain(self, value: str, path: str, errors: Errors) -> None:
        if self.pattern is not None and not self.pattern.fullmatch(value):
            errors.add(value, path, f"Member must satisfy regular expression pattern: {self.pattern_text}")
        length = java_length(value)
        if self.min_len is not None and length < self.min_len:
            errors.add(value, path, f"Member must have length greater than or equal to {self.min_len}")
        if self.max_len is not None and length > self.max_len:
            errors.add(value, path, f"Member must have length less than or equal to {self.max_len}")
        if self.enum_set is not None and value not in self.enum_set:
            assert self.enum is not None
            errors.add(value, path, f"Member must satisfy enum value set: [{', '.join(self.enum)}]")


class Integer(Shape):
    """Java Integer or Long members (``Limit``, capacity units, ...)."""

    def __init__(self, java: str = "Integer", *, min: int | None = None, max: int | None = None) -> None:
        self.java = java
        self.min = min
        self.max = max

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        if type(value) is not int:
            if isinstance(value, dict):
                raise serialization(_STRUCT_OR_MAP)
            if isinstance(value, list):
                raise serialization(f"Unrecognized collection type class java.lang.{self.java}")
            if isinstance(value, float):
                value = int(value)  # Jackson truncates a decimal given for an integer member
            elif isinstance(value, int) and not isinstance(value, bool):
                value = int(value)
            else:
                raise serialization(f"{_json_kind(value)} cannot be converted to {self.java}")
        self.constrain(value, path, errors)
        return value

    def constrain(self, value: int, path: str, errors: Errors) -> None:
        if self.min is not None and value < self.min:
            errors.add(value, path, f"Member must have value greater than or equal to {self.min}")
        if self.max is not None and value > self.max:
            errors.add(value, path, f"Member must have value less than or equal to {self.max}")


class Boolean(Shape):
    java = "java.lang.Boolean"

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        return load_boolean(value)


def decode_base64(text: str) -> bytes:
    """Strict base64 as DynamoDB decodes it (padding required, canonical last character)."""
    if len(text) % 4:
        raise serialization(f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise serialization("Invalid last non-pad Base64 character dectected") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise serialization("Invalid last non-pad Base64 character dectected")
    return raw


def load_blob(value: Any, mode: str) -> bytes:
    if mode == PYTHON:
        if type(value) is bytes:
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        if isinstance(value, str):
            return value.encode("utf-8")  # boto3 encodes text given for a blob
    elif isinstance(value, str):
        return decode_base64(value)
    if isinstance(value, dict):
        raise serialization(_STRUCT_OR_MAP)
    if isinstance(value, list):
        raise serialization("Unrecognized collection type class java.nio.ByteBuffer")
    raise serialization("only base-64-encoded strings are convertible to bytes")


class Blob(Shape):
    java = "java.nio.ByteBuffer"

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        return load_blob(value, mode)


class Timestamp(Shape):
    """Epoch seconds on the wire; the embedded client also takes ``datetime`` like boto3."""

    java = "java.util.Date"

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                seconds = float(value)
            except OverflowError:
                seconds = math.inf
            if not math.isfinite(seconds):
                raise serialization("Unexpected value for a Date")
            return seconds
        if isinstance(value, dict):
            raise serialization(_STRUCT_OR_MAP)
        if isinstance(value, list):
            raise serialization("Unrecognized collection type class java.util.Date")
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value).timestamp()
            except ValueError:
                try:
                    seconds = float(value)
                except ValueError:
                    seconds = math.nan
                if not math.isfinite(seconds):
                    raise serialization("STRING_VALUE can not be converted to a Date") from None
                return seconds
        raise serialization(f"{_json_kind(value)} can not be converted to a Date")


class List(Shape):
    java = "java.util.List"

    def __init__(
        self,
        member: Shape,
        *,
        min_len: int | None = None,
        max_len: int | None = None,
    ) -> None:
        self.member = member
        self.min_len = min_len
        self.max_len = max_len

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        if not isinstance(value, list | tuple):
            if isinstance(value, dict):
                raise serialization(_STRUCT_OR_MAP)
            raise serialization("Unexpected field type")
        member = self.member
        loaded: list[Any] = []
        for i, element in enumerate(value):
            if element is None:
                errors.add(None, f"{path}.{i + 1}.member", "Member must not be null")
                loaded.append(None)  # counted and shown as null, never passed on
                continue
            loaded.append(member.load(element, f"{path}.{i + 1}.member", errors, mode))
        self.constrain(loaded, path, errors)
        return [element for element in loaded if element is not None]

    def constrain(self, value: list[Any], path: str, errors: Errors) -> None:
        if self.min_len is not None and len(value) < self.min_len:
            errors.add(
                self.java_repr(value),
                path,
                f"Member must have length greater than or equal to {self.min_len}",
            )
        if self.max_len is not None and len(value) > self.max_len:
            errors.add(
                self.java_repr(value), path, f"Member must have length less than or equal to {self.max_len}"
            )

    def java_repr(self, value: Any) -> Any:
        shown = ("null" if v is None else render(self.member.java_repr(v)) for v in value)
        return Rendered("[" + ", ".join(shown) + "]")


class Map(Shape):
    java = "java.util.Map"

    def __init__(
        self, value: Shape, *, value_java: str, min_len: int | None = None, max_len: int | None = None
    ) -> None:
        self.value = value
        self.value_java = value_java
        self.min_len = min_len
        self.max_len = max_len

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        if not isinstance(value, dict):
            if isinstance(value, list):
                raise serialization(
                    f"Unrecognized collection type java.util.Map<java.lang.String, {self.value_java}>"
                )
            raise serialization("Unexpected field type")
        shape = self.value
        out = {}
        for key, element in value.items():
            if not isinstance(key, str):
                raise serialization("Unexpected value type in payload")
            storable_text(key)
            if element is None:
                continue
            out[key] = shape.load(element, f"{path}.{key}.member", errors, mode)
        self.constrain(out, path, errors)
        return out

    def constrain(self, value: dict[str, Any], path: str, errors: Errors) -> None:
        if self.min_len is not None and len(value) < self.min_len:
            errors.add(value, path, f"Member must have length greater than or equal to {self.min_len}")
        if self.max_len is not None and len(value) > self.max_len:
            errors.add(value, path, f"Member must have length less than or equal to {self.max_len}")


class Member:
    """One member of a structure: its shape and presence rules."""

    __slots__ = ("name", "not_null", "path", "required", "shape")

    def __init__(self, shape: Shape, *, required: bool = False, not_null: bool = False) -> None:
        self.shape = shape
        self.required = required  # "The parameter 'X' is required ..." (top level only)
        self.not_null = not_null  # "Value null at 'x' ... Member must not be null"
        self.name = ""
        self.path = ""


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class Struct(Shape):
    """A structure. ``value_struct`` marks those that appear as list or map values in
    DynamoDB's model (their type errors read "Unexpected value type in payload")."""

    def __init__(self, name: str, members: dict[str, Member], *, value_struct: bool = False) -> None:
        self.name = name
        self.java = _MODEL + name
        self.members = members
        self.value_struct = value_struct
        for key, member in members.items():
            member.name = key
            member.path = lower_first(key)

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        if not isinstance(value, dict):
            if isinstance(value, list):
                raise serialization(f"Unrecognized collection type class {self.java}")
            raise serialization(
                "Unexpected value type in payload" if self.value_struct else "Unexpected field type"
            )
        prefix = f"{path}." if path else ""
        out: dict[str, Any] = {}
        # Members are checked in declared order (DynamoDB's), whatever the client's order;
        # unknown members are dropped and null means absent.
        for key, member in self.members.items():
            element = value.get(key)
            if element is not None:
                out[key] = member.shape.load(element, prefix + member.path, errors, mode)
            elif member.not_null:
                errors.add(None, prefix + member.path, "Member must not be null")
        return out

    def java_repr(self, value: Any) -> Any:
        parts = ", ".join(
            f"{member.path}={render(member.shape.java_repr(value[key])) if key in value else 'null'}"
            for key, member in self.members.items()
        )
        return Rendered(f"{self.name}({parts})")


class Request(Struct):
    """The top-level request structure of an operation."""

    def __init__(self, name: str, members: dict[str, Member]) -> None:
        super().__init__(name, members)

    def load_request(self, request: Any, mode: str) -> dict[str, Any]:
        """Type-check, convert and validate a request; raise the first DynamoDB error."""
        if not isinstance(request, dict):
            raise serialization()
        errors = Errors()
        loaded: dict[str, Any] = self.load(request, "", errors, mode)
        for key, member in self.members.items():
            if member.required and key not in loaded:
                raise validation(f"The parameter '{key}' is required but was not present in the request")
        errors.raise_if_any()
        if errors.semantic is not None:
            raise errors.semantic
        return loaded
