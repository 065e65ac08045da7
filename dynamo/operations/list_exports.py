"""ListExports: in reverse ARN order (so newest first for one table), optionally of one
table (not of deleted tables); 10 to a page unless MaxResults says otherwise."""

from __future__ import annotations

from typing import Any

from dynamo import exports, listing
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Integer, Member, Request, String

REQUEST = Request(
    "ListExportsInput",
    {
        "TableArn": Member(String(min_len=1, max_len=1024)),
        "MaxResults": Member(Integer(min=1, max=25)),
        "NextToken": Member(String()),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        live = {t.table_id for t in view.tables() if t.region == ctx.region}
        found = [
            r
            for _, r in view.records(exports.KIND)
            if r["region"] == ctx.region
            and r["table_id"] in live
            and req.get("TableArn") in (None, r["table_arn"])
        ]
    shown, token = listing.page(
        "ListExports", found, lambda r: r["arn"], req.get("MaxResults", 10), req.get("NextToken")
    )
    out: dict[str, Any] = {"ExportSummaries": [exports.summary(r) for r in shown]}
    if token is not None:
        out["NextToken"] = token
    return out


OPERATION = Operation("ListExports", REQUEST, run)
