"""GetRecords: the records of a shard from an iterator's position, and the next iterator.

``Records`` is always present (possibly empty); ``NextShardIterator`` is absent only once
a closed shard has been read to its end. Iterators expire after 15 minutes and may be
reused until then (each answer carries a fresh one).
"""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import resource_not_found, validation
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String
from dynamo.stream_api import check_limit, expired_iterator, limit_member, trimmed
from streams import iterators
from streams import log as streams
from streams.reading import read_shard, wire_records

MAX_LIMIT: Final = 1000

REQUEST = Request(
    "GetRecordsInput",
    {"ShardIterator": Member(String(min_len=1, max_len=2048), required=True), "Limit": limit_member()},
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit")
    check_limit(limit, MAX_LIMIT)
    position = iterators.decode(req["ShardIterator"])
    if position is None:
        raise validation("Invalid ShardIterator")
    now = ctx.clock()
    if position.expired(now):
        raise expired_iterator()
    with ctx.store.read() as view:
        stream = streams.load(view.logs, position.log_id)
        if stream is None or stream.arn != position.stream_arn or stream.region != ctx.region:
            raise resource_not_found(f"Requested resource not found: Stream: {position.stream_arn} not found")
        if position.next_seq < stream.trimmed_before:
            raise trimmed()
        shard = stream.shard(position.shard_id)
        if shard is None:
            raise resource_not_found(
                f"Requested resource not found: Shard: {position.shard_id} in Stream: {stream.arn} not found"
            )
        found, next_seq = read_shard(view.logs, stream, shard, position.next_seq, limit or MAX_LIMIT)
    records = wire_records(stream, found)
    out: dict[str, Any] = {"Records": records}
    if next_seq is not None:
        following = iterators.Position(stream.arn, stream.log_id, shard.shard_id, next_seq, now)
        out["NextShardIterator"] = iterators.encode(following)
    return out


OPERATION = Operation("GetRecords", REQUEST, run)
