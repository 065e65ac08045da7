"""A canonical digest of request data, for comparing requests by meaning.

Two JSON documents that differ only in the order of object members are the same request
to DynamoDB (an idempotent retry, say), so maps are digested with their entries sorted.
Lists keep their order, except the members of string, number and binary sets, which are
unordered (boto3's resource layer sends Python sets, whose order varies by process).
Numbers arrive canonical (``1.0`` is ``1``), so they compare by value.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgpack

_SETS = frozenset({"SS", "NS", "BS"})


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, members),) = value.items()
            if tag in _SETS and isinstance(members, list):
                return {tag: sorted(members, key=repr)}
        return {key: _canonical(value[key]) for key in sorted(value)}  # msgpack keeps this order
    if isinstance(value, list | tuple):
        return [_canonical(element) for element in value]
    return value


def fingerprint(value: Any) -> bytes:
    """A 16-byte digest equal for equal values, whatever the order of map entries."""
    packed = msgpack.packb(_canonical(value), use_bin_type=True)
    return hashlib.blake2b(packed, digest_size=16).digest()
