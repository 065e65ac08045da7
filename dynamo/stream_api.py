"""What the DynamoDB Streams operations share: finding a stream, and the wire forms of
streams and shards (reference 12.3)."""

from __future__ import annotations

import re
from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import DynamoError, resource_not_found, validation
from dynamo.shapes import Integer, Member, String
from storage.changelog import LogReader
from streams import log as streams
from streams.model import Shard, Stream, sequence_number

_STREAM_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[a-zA-Z0-9_.-]{3,255}/stream/"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}"
)


def stream_arn_member(*, required: bool = False) -> Member:
    return Member(String(min_len=37, max_len=1024), required=required)


def shard_id_member(*, required: bool = False) -> Member:
    return Member(String(min_len=28, max_len=65), required=required)


def limit_member() -> Member:
    # The model's only bound is >= 1; each operation checks its own maximum.
    return Member(Integer(min=1))


def check_limit(limit: int | None, maximum: int) -> None:
    if limit is not None and limit > maximum:
        raise validation(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {maximum}"
        )


def check_arn(arn: str) -> None:
    if not _STREAM_ARN.fullmatch(arn):
        raise validation("Invalid StreamArn")


def find(ctx: Context, logs: LogReader, arn: str) -> Stream:
    """The stream with this ARN (enabled, or disabled less than 24 hours ago)."""
    check_arn(arn)
    for stream in streams.every(logs):
        if stream.arn == arn and stream.region == ctx.region:
            return stream
    raise resource_not_found(f"Requested resource not found: Stream: {arn} not found")


def trimmed() -> DynamoError:
    """A position in records the 24-hour retention has deleted."""
    return DynamoError("TrimmedDataAccessException", "The data you are trying to access has been trimmed")


def expired_iterator() -> DynamoError:
    # The service model's description of the error (its wire text is unconfirmed).
    return DynamoError("ExpiredIteratorException", "The provided iterator exceeds the maximum age allowed.")


def shard_json(shard: Shard) -> dict[str, Any]:
    out: dict[str, Any] = {"ShardId": shard.shard_id}
    numbers = {"StartingSequenceNumber": sequence_number(shard.start)}
    if shard.end is not None:
        numbers["EndingSequenceNumber"] = sequence_number(shard.end)
    out["SequenceNumberRange"] = numbers
    if shard.parent is not None:
        out["ParentShardId"] = shard.parent
    return out
