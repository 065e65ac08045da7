"""Writing streams: creating and disabling them, recording changes, rolling shards over,
and trimming what is older than 24 hours. Everything here runs inside the caller's LMDB
write transaction (a :class:`~storage.changelog.LogWriter`), so a change and its record,
or a table and its new stream, commit together."""

from __future__ import annotations

import uuid

from storage.changelog import LogReader, LogWriter
from storage.values import Item
from streams.model import RETENTION, Shard, Stream
from streams.records import compact, created


def create(
    logs: LogWriter,
    *,
    table_arn: str,
    region: str,
    table: str,
    table_id: str,
    label: str,
    view_type: str,
    key_schema: list[list[str]],
    now: float,
) -> Stream:
    """A new, enabled stream with one open shard."""
    stream = Stream(
        uuid.uuid4().bytes,
        f"{table_arn}/stream/{label}",
        region,
        table,
        table_id,
        label,
        view_type,
        key_schema,
        now,
    )
    _open_shard(logs, stream, now, parent=None)
    logs.save_descriptor(stream.log_id, stream.dump())
    return stream


def load(logs: LogReader, log_id: bytes) -> Stream | None:
    raw = logs.descriptor(log_id)
    return None if raw is None else Stream.load(log_id, raw)


def every(logs: LogReader) -> list[Stream]:
    """Every stream still kept (enabled ones and those disabled less than 24 h ago)."""
    return [Stream.load(log_id, raw) for log_id, raw in logs.descriptors()]


def disable(logs: LogWriter, stream: Stream, now: float) -> None:
    """Stop a stream: its open shard closes; it stays readable for 24 hours."""
    if stream.disabled is not None:
        return
    _close_open_shard(logs, stream, now)
    stream.disabled = now
    logs.save_descriptor(stream.log_id, stream.dump())


def record(
    logs: LogWriter,
    log_id: bytes,
    event: str,
    keys: Item,
    old: Item | None,
    new: Item | None,
    now: float,
    *,
    rollover: float,
    by_service: bool = False,
) -> bool:
    """Record one change (``event``: see :func:`streams.records.event_name`) in a stream;
    False if the stream no longer takes records."""
    stream = load(logs, log_id)
    if stream is None or stream.disabled is not None:
        return False
    roll_over_if_due(logs, stream, now, rollover)
    logs.append(log_id, compact(stream.view_type, event, keys, old, new, now, by_service))
    return True


def roll_over_if_due(logs: LogWriter, stream: Stream, now: float, rollover: float) -> bool:
    """Close the open shard once it is ``rollover`` seconds old, opening its child."""
    shard = stream.open_shard
    if shard is None or now - shard.created < rollover:
        return False
    _close_open_shard(logs, stream, now)
    _open_shard(logs, stream, now, parent=shard.shard_id)
    logs.save_descriptor(stream.log_id, stream.dump())
    return True


TRIM_SLICE = 10_000  # records deleted per transaction, so writers are never held up long


def trim(logs: LogWriter, stream: Stream, now: float, limit: int = TRIM_SLICE) -> tuple[int, bool]:
    """Delete up to ``limit`` records older than 24 hours, the shards closed more than 24
    hours ago (their records are older still) and, once it has been disabled for 24 hours,
    the whole stream. (records deleted, whether nothing more is due)."""
    cutoff = now - RETENTION
    if stream.disabled is not None and stream.disabled <= cutoff:
        deleted = logs.delete_records(stream.log_id, limit=limit)
        if deleted < limit:
            logs.delete_descriptor(stream.log_id)
            return deleted, True
        return deleted, False
    last_expired = None
    for count, (seq, rec) in enumerate(logs.records(stream.log_id, stream.trimmed_before)):
        if created(rec) > cutoff or count == limit:  # records are in time order
            break
        last_expired = seq
    deleted = 0 if last_expired is None else logs.delete_records(stream.log_id, before=last_expired + 1)
    kept = [shard for shard in stream.shards if shard.closed is None or shard.closed > cutoff]
    if deleted or len(kept) != len(stream.shards):
        if last_expired is not None:
            stream.trimmed_before = last_expired + 1
        stream.shards = kept
        logs.save_descriptor(stream.log_id, stream.dump())
    return deleted, deleted < limit


def _open_shard(logs: LogWriter, stream: Stream, now: float, parent: str | None) -> None:
    start = logs.next_sequence()  # a number of its own: an empty shard still has a range
    stream.shards.append(Shard(stream.new_shard_id(now, start), parent, start, now))


def _close_open_shard(logs: LogWriter, stream: Stream, now: float) -> None:
    shard = stream.open_shard
    if shard is not None:
        shard.end = max(shard.start, logs.last_sequence())
        shard.closed = now
