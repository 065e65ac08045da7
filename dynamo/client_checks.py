"""boto3's client-side parameter validation, compiled once per operation.

A boto3 client checks every request against the service model before sending it
(``botocore.validate``). Walking the model generically costs about 35 µs per 1 KB item,
more than the engine's own request checks. Here each input shape is compiled once into a
predicate answering "would botocore accept these parameters?" by the same rules (types,
required members, minimum lengths and values, tagged unions). Only when it answers no does
the client run botocore's validator, so every error is botocore's own
``ParamValidationError`` with its exact report. Whatever the predicate does not model
(documents, JSON-value headers, host labels) it answers no to, deferring to botocore.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape
from botocore.utils import parse_to_aware_datetime
from botocore.validate import ParamValidator

Check = Callable[[Any], bool]
_SCALAR_TYPES: dict[str, tuple[type, ...]] = ParamValidator.SCALAR_TYPES


def _never(value: Any) -> bool:
    return False


def _timestamp(value: Any) -> bool:
    try:
        parse_to_aware_datetime(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _blob(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | str) or hasattr(value, "read")


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


class _Compiler:
    """Compiles shapes to checks; named shapes once each (AttributeValue is recursive)."""

    def __init__(self) -> None:
        self._done: dict[str, Check] = {}

    def compile(self, shape: Shape) -> Check:
        name = shape.name
        if name in self._done:
            return self._done[name]
        later: list[Check] = []
        self._done[name] = lambda value: later[0](value)  # for references back to this shape
        check = self._build(shape)
        later.append(check)
        self._done[name] = check
        return check

    def _build(self, shape: Shape) -> Check:
        kind = shape.type_name
        metadata = shape.metadata
        serialization = shape.serialization
        if serialization.get("jsonvalue") or serialization.get("hostLabel"):
            return _never
        if getattr(shape, "is_document_type", False):
            return _never
        minimum = metadata.get("min")
        if kind == "structure":
            return self._structure(shape)
        if kind == "string":
            if minimum is None:
                return lambda value: isinstance(value, str)
            return lambda value: isinstance(value, str) and len(value) >= minimum
        if kind == "list":
            member = self.compile(shape.member)  # type: ignore[attr-defined]
            least = minimum or 0
            return lambda value: (
                isinstance(value, list | tuple) and len(value) >= least and all(member(v) for v in value)
            )
        if kind == "map":
            key = self.compile(shape.key)  # type: ignore[attr-defined]
            item = self.compile(shape.value)  # type: ignore[attr-defined]
            return lambda value: isinstance(value, dict) and all(key(k) and item(v) for k, v in value.items())
        if kind in ("integer", "long", "float", "double"):
            types = _SCALAR_TYPES[kind]
            if minimum is None:
                return lambda value: isinstance(value, types)
            return lambda value: isinstance(value, types) and value >= minimum
        if kind == "boolean":
            return _boolean
        if kind == "blob":
            return _blob
        if kind == "timestamp":
            return _timestamp
        return _never

    def _structure(self, shape: Shape) -> Check:
        members = {name: self.compile(member) for name, member in shape.members.items()}  # type: ignore[attr-defined]
        required = tuple(shape.metadata.get("required", ()))
        union = bool(getattr(shape, "is_tagged_union", False))

        def check(value: Any) -> bool:
            if not isinstance(value, dict) or (union and len(value) != 1):
                return False
            for name in required:
                if name not in value:
                    return False
            for name, element in value.items():
                member = members.get(name)
                if member is None or not member(element):
                    return False
            return True

        return check


# Shape names are unique within one service model: one compiler per model version.
_compilers: dict[tuple[str, str], _Compiler] = {}
_checks: dict[tuple[str, str, str], Check] = {}
# Compiling is recursive and briefly leaves placeholders for shapes still being built, so
# a second thread must wait for the first to finish rather than see them.
_lock = threading.RLock()


def accepts(model: OperationModel) -> Check:
    """Whether botocore's validation would accept these parameters for ``model``."""
    service = model.service_model
    key = (service.service_name, service.api_version, model.name)
    check = _checks.get(key)
    if check is None:
        with _lock:
            compiler = _compilers.setdefault(key[:2], _Compiler())
            shape = model.input_shape
            check = _never if shape is None else compiler.compile(shape)
            _checks[key] = check
    return check
