"""JSON on the wire: orjson, with binary attribute values as base64 text."""

from __future__ import annotations

import base64
import itertools
import os
from typing import Any

import orjson


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(document: Any) -> bytes:
    return orjson.dumps(document, default=_default)


def loads(body: bytes) -> Any:
    return orjson.loads(body)


def _new_prefix() -> None:
    global _prefix
    _prefix = os.urandom(20).hex().upper()


_prefix = ""
_new_prefix()
os.register_at_fork(after_in_child=_new_prefix)  # workers forked from one parent differ
_serial = itertools.count()


def request_id() -> str:
    """A 52-character request id in DynamoDB's alphabet (``[0-9A-Z]``; here upper-case hex).

    Ids only need to be unique, not secret: 160 random bits per process and a serial
    number, which costs a fraction of drawing random bits for every request.
    """
    return f"{_prefix}{next(_serial) & 0xFFFFFFFFFFFF:012X}"
