"""ListStreams: the streams of a region (or of one table), disabled ones included."""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String
from dynamo.stream_api import check_arn, check_limit, limit_member, stream_arn_member
from streams import log as streams

MAX_LIMIT: Final = 100

REQUEST = Request(
    "ListStreamsInput",
    {
        "TableName": Member(String(min_len=3, max_len=255, pattern="[a-zA-Z0-9_.-]+")),
        "Limit": limit_member(),
        "ExclusiveStartStreamArn": stream_arn_member(),
    },
)


def _order(arn: str) -> tuple[str, str]:
    """(table, label with its digits inverted): tables in order, newest label first."""
    table, _, label = arn.partition(":table/")[2].partition("/stream/")
    return table, label.translate(_INVERT)


_INVERT: Final = str.maketrans("0123456789", "9876543210")


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit")
    check_limit(limit, MAX_LIMIT)
    start = req.get("ExclusiveStartStreamArn")
    if start is not None:
        check_arn(start)
    with ctx.store.read() as view:
        found = [
            s
            for s in streams.every(view.logs)
            if s.region == ctx.region and req.get("TableName") in (None, s.table)
        ]
    # By table, newest stream first (as DynamoDB's documentation shows them). The order is
    # computed from the ARN alone, so a page can start after a stream trimmed meanwhile.
    found.sort(key=lambda s: _order(s.arn))
    if start is not None:
        found = [s for s in found if _order(s.arn) > _order(start)]
    page = found[: limit or MAX_LIMIT]
    out: dict[str, Any] = {
        "Streams": [{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label} for s in page]
    }
    if len(found) > len(page):
        out["LastEvaluatedStreamArn"] = page[-1].arn
    return out


OPERATION = Operation("ListStreams", REQUEST, run)
