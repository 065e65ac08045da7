"""A stream and its shards, as stored in the stream's change-log descriptor.

A DynamoDB stream belongs to one enabling of a table's stream: disabling and re-enabling
makes a new stream (new label, new ARN) while the old one stays readable, DISABLED, for
24 hours, even after its table is deleted. Its records are split into shards: one open
shard takes new records; every ``rollover`` seconds it is closed (it gets an ending
sequence number) and a child shard, naming it as parent, takes over.

Sequence numbers come from one counter per data directory. A shard starts with a number
of its own (so even an empty shard has a range) and ends with the last number handed out
when it closed, so the ranges of a stream's shards are disjoint and increasing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Final

RETENTION: Final = 24 * 3600.0  # records and closed shards are kept 24 hours
ITERATOR_LIFETIME: Final = 15 * 60.0  # a shard iterator expires after 15 minutes
DEFAULT_ROLLOVER: Final = 4 * 3600.0  # DynamoDB is commonly seen closing shards every ~4 h

ENABLED: Final = "ENABLED"
DISABLED: Final = "DISABLED"


def sequence_number(seq: int) -> str:
    """The wire form of a sequence number: a decimal string of 21 digits or more."""
    return str(10**20 + seq)


MAX_SEQUENCE: Final = 2**63 - 1


def parse_sequence_number(text: str) -> int | None:
    """The counter value of a wire sequence number, or None if it is not one of ours."""
    if not (21 <= len(text) <= 40 and text.isascii() and text.isdigit()):
        return None
    seq = int(text) - 10**20
    return seq if 0 <= seq <= MAX_SEQUENCE else None


def last_in_shard(shard: Shard, last_sequence: int) -> int:
    """The last sequence number a shard can hold now (an open shard: the last handed out)."""
    return shard.end if shard.end is not None else last_sequence


@dataclass(slots=True)
class Shard:
    shard_id: str
    parent: str | None
    start: int
    created: float
    end: int | None = None  # set when the shard is closed
    closed: float | None = None

    @property
    def is_open(self) -> bool:
        return self.end is None

    def dump(self) -> list[Any]:
        return [self.shard_id, self.parent, self.start, self.created, self.end, self.closed]

    @classmethod
    def load(cls, raw: list[Any]) -> Shard:
        return cls(*raw)


@dataclass(slots=True)
class Stream:
    """One stream of one table, with its shards (oldest first)."""

    log_id: bytes
    arn: str
    region: str
    table: str
    table_id: str
    label: str
    view_type: str
    key_schema: list[list[str]]  # [[attribute, "HASH" | "RANGE"], ...]
    created: float
    disabled: float | None = None
    #: records numbered below this have been trimmed
    trimmed_before: int = 0
    shards: list[Shard] = field(default_factory=list)

    @property
    def status(self) -> str:
        return ENABLED if self.disabled is None else DISABLED

    @property
    def open_shard(self) -> Shard | None:
        last = self.shards[-1] if self.shards else None
        return last if last is not None and last.is_open else None

    def shard(self, shard_id: str) -> Shard | None:
        return next((s for s in self.shards if s.shard_id == shard_id), None)

    def new_shard_id(self, now: float, start: int) -> str:
        """``shardId-<20-digit creation time in ms>-<8 hex>``, as DynamoDB's look."""
        salt = hashlib.blake2b(self.log_id + start.to_bytes(8, "big"), digest_size=4).hexdigest()
        return f"shardId-{int(now * 1000):020d}-{salt}"

    def dump(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "region": self.region,
            "table": self.table,
            "table_id": self.table_id,
            "label": self.label,
            "view": self.view_type,
            "keys": self.key_schema,
            "created": self.created,
            "disabled": self.disabled,
            "trimmed": self.trimmed_before,
            "shards": [s.dump() for s in self.shards],
        }

    @classmethod
    def load(cls, log_id: bytes, raw: dict[str, Any]) -> Stream:
        return cls(
            log_id,
            raw["arn"],
            raw["region"],
            raw["table"],
            raw["table_id"],
            raw["label"],
            raw["view"],
            raw["keys"],
            raw["created"],
            raw["disabled"],
            raw["trimmed"],
            [Shard.load(s) for s in raw["shards"]],
        )
