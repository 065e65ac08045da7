"""DescribeStream: a stream's status, view type, key schema and shards (paginated)."""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String, Struct
from dynamo.stream_api import check_limit, find, limit_member, shard_id_member, shard_json, stream_arn_member

MAX_LIMIT: Final = 100

REQUEST = Request(
    "DescribeStreamInput",
    {
        "StreamArn": stream_arn_member(required=True),
        "Limit": limit_member(),
        "ExclusiveStartShardId": shard_id_member(),
        "ShardFilter": Member(
            Struct(
                "ShardFilter",
                {"Type": Member(String(enum=["CHILD_SHARDS"])), "ShardId": shard_id_member()},
            )
        ),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit")
    check_limit(limit, MAX_LIMIT)
    shard_filter = req.get("ShardFilter")
    if shard_filter is not None and ("Type" not in shard_filter or "ShardId" not in shard_filter):
        raise validation("ShardFilter must specify both Type and ShardId")
    with ctx.store.read() as view:
        stream = find(ctx, view.logs, req["StreamArn"])
    shards = sorted(stream.shards, key=lambda s: s.shard_id)
    if shard_filter is not None:
        shards = [s for s in shards if s.parent == shard_filter["ShardId"]]
    start = req.get("ExclusiveStartShardId")
    if start is not None:
        shards = [s for s in shards if s.shard_id > start]
    page = shards[: limit or MAX_LIMIT]
    description: dict[str, Any] = {
        "StreamArn": stream.arn,
        "StreamLabel": stream.label,
        "StreamStatus": stream.status,
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": round(stream.created, 3),
        "TableName": stream.table,
        "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in stream.key_schema],
        "Shards": [shard_json(s) for s in page],
    }
    if len(shards) > len(page):
        description["LastEvaluatedShardId"] = page[-1].shard_id
    return {"StreamDescription": description}


OPERATION = Operation("DescribeStream", REQUEST, run)
