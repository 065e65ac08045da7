"""JSON on the wire: orjson, with binary attribute values as base64 text."""

from __future__ import annotations

import base64
import os
import random
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


_random = random.Random(os.urandom(32))


def request_id() -> str:
    """A 52-character request id in DynamoDB's alphabet (``[0-9A-Z]``; here upper-case hex).

    Ids only need to be unique, not secret: a seeded PRNG is ten times cheaper than
    ``os.urandom`` on every request.
    """
    return f"{_random.getrandbits(208):052X}"
