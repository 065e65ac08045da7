"""Reading a shard: the records from a position, within GetRecords' limits."""

from __future__ import annotations

from typing import Any, Final

from storage.changelog import LogReader
from streams.model import Shard, Stream, sequence_number
from streams.records import render, size_of

MAX_BYTES: Final = 1024 * 1024  # GetRecords returns at most 1 MB (the record crossing it included)


def read_shard(
    logs: LogReader, stream: Stream, shard: Shard, next_seq: int, limit: int
) -> tuple[list[tuple[int, Any]], int | None]:
    """Up to ``limit`` records of ``shard`` from ``next_seq`` on, and the position after
    them; None when the shard is closed and nothing is left to read in it."""
    found: list[tuple[int, Any]] = []
    size = 0
    for seq, record in logs.records(stream.log_id, max(next_seq, shard.start), shard.end):
        found.append((seq, record))
        next_seq = seq + 1
        size += size_of(record)
        if len(found) == limit or size >= MAX_BYTES:
            return found, next_seq
    # Read to the end: a closed shard is done; an open one is read on from here.
    return found, (None if shard.end is not None else next_seq)


def wire_records(stream: Stream, found: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    """Records of ``stream`` as GetRecords returns them."""
    return [
        render(
            record,
            log_id=stream.log_id,
            seq=seq,
            sequence_number=sequence_number(seq),
            region=stream.region,
            view_type=stream.view_type,
        )
        for seq, record in found
    ]
