"""Shard iterators: opaque strings naming a position in a shard, valid for 15 minutes.

The form imitates DynamoDB's (the stream ARN, a version, then an opaque part, joined by
``|``). The opaque part carries the stream's log, the shard, the next sequence number to
read and when the iterator was issued; it is only a cursor, not a credential.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from streams.model import ITERATOR_LIFETIME, MAX_SEQUENCE


@dataclass(frozen=True, slots=True)
class Position:
    stream_arn: str
    log_id: bytes
    shard_id: str
    #: the next sequence number to read
    next_seq: int
    issued: float

    def expired(self, now: float) -> bool:
        return now - self.issued > ITERATOR_LIFETIME


def encode(position: Position) -> str:
    opaque = f"{position.log_id.hex()}:{position.shard_id}:{position.next_seq}:{int(position.issued * 1000)}"
    return f"{position.stream_arn}|1|{base64.urlsafe_b64encode(opaque.encode()).decode()}"


def decode(iterator: str) -> Position | None:
    """The position an iterator names, or None if it is not one of ours."""
    arn, sep1, rest = iterator.rpartition("|1|")
    if not sep1 or not arn:
        return None
    try:
        log_id, shard_id, next_seq, issued = base64.urlsafe_b64decode(rest.encode()).decode().split(":")
        numbers = _number(next_seq), _number(issued)
        if None in numbers or len(log_id) != 32:
            return None
        return Position(arn, bytes.fromhex(log_id), shard_id, int(next_seq), int(issued) / 1000)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _number(text: str) -> int | None:
    """A plain non-negative decimal that fits a sequence number (``int()`` is laxer)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    value = int(text)
    return value if value <= MAX_SEQUENCE else None
