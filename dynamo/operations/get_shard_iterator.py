"""GetShardIterator: a position in a shard to read records from (reference 12.3)."""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import resource_not_found, validation
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String, Timestamp
from dynamo.stream_api import find, shard_id_member, stream_arn_member, trimmed
from storage.changelog import LogReader
from streams import iterators
from streams.model import Shard, Stream, last_in_shard, parse_sequence_number
from streams.records import created

ITERATOR_TYPES: Final = [
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "AT_TIMESTAMP",
]

REQUEST = Request(
    "GetShardIteratorInput",
    {
        "StreamArn": stream_arn_member(required=True),
        "ShardId": shard_id_member(required=True),
        "ShardIteratorType": Member(String(enum=ITERATOR_TYPES), required=True),
        "SequenceNumber": Member(String(min_len=21, max_len=40)),
        "Timestamp": Member(Timestamp()),
    },
)


def _check_members(req: dict[str, Any]) -> None:
    kind = req["ShardIteratorType"]
    by_number = kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
    if by_number and "SequenceNumber" not in req:
        raise validation(f"SequenceNumber must be provided for ShardIteratorType {kind}")
    if not by_number and "SequenceNumber" in req:
        raise validation(f"SequenceNumber must not be provided for ShardIteratorType {kind}")
    if kind == "AT_TIMESTAMP" and "Timestamp" not in req:
        raise validation("Timestamp must be provided for ShardIteratorType AT_TIMESTAMP")
    if kind != "AT_TIMESTAMP" and "Timestamp" in req:
        raise validation(f"Timestamp must not be provided for ShardIteratorType {kind}")


def _numbered(req: dict[str, Any], stream: Stream, shard: Shard, logs: LogReader) -> int:
    text = req["SequenceNumber"]
    seq = parse_sequence_number(text)
    if seq is None:
        raise validation(f"Invalid SequenceNumber: {text}")
    if seq < stream.trimmed_before:
        raise trimmed()
    if seq < shard.start or seq > last_in_shard(shard, logs.last_sequence()):
        raise validation(f"Invalid SequenceNumber for shard {shard.shard_id}: {text}")
    return seq if req["ShardIteratorType"] == "AT_SEQUENCE_NUMBER" else seq + 1


def _at_time(when: float, stream: Stream, shard: Shard, logs: LogReader) -> int:
    """The first record of the shard created at or after ``when`` (else the shard's end)."""
    for seq, record in logs.records(stream.log_id, max(shard.start, stream.trimmed_before), shard.end):
        if created(record) >= when:
            return seq
    return last_in_shard(shard, logs.last_sequence()) + 1


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    _check_members(req)
    now = ctx.clock()
    kind = req["ShardIteratorType"]
    if kind == "AT_TIMESTAMP" and req["Timestamp"] > now:
        raise validation("The timestamp provided is in the future")
    with ctx.store.read() as view:
        logs = view.logs
        stream = find(ctx, logs, req["StreamArn"])
        shard = stream.shard(req["ShardId"])
        if shard is None:
            raise resource_not_found(
                f"Requested resource not found: Shard: {req['ShardId']} in Stream: {stream.arn} not found"
            )
        if kind == "TRIM_HORIZON":
            position = max(shard.start, stream.trimmed_before)
        elif kind == "LATEST":
            position = last_in_shard(shard, logs.last_sequence()) + 1
        elif kind == "AT_TIMESTAMP":
            position = _at_time(req["Timestamp"], stream, shard, logs)
        else:
            position = _numbered(req, stream, shard, logs)
    where = iterators.Position(stream.arn, stream.log_id, shard.shard_id, position, now)
    return {"ShardIterator": iterators.encode(where)}


OPERATION = Operation("GetShardIterator", REQUEST, run)
