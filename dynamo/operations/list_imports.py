"""ListImports: newest first, optionally of one table (even one since deleted); 10 to a
page unless PageSize says otherwise."""

from __future__ import annotations

from typing import Any

from dynamo import imports, listing
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Integer, Member, Request, String

REQUEST = Request(
    "ListImportsInput",
    {
        "TableArn": Member(String(min_len=1, max_len=1024)),
        "PageSize": Member(Integer(min=1, max=25)),
        "NextToken": Member(String(min_len=112, max_len=1024, pattern="([0-9a-f]{16})+")),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        found = [
            r
            for _, r in view.records(imports.KIND)
            if r["region"] == ctx.region and req.get("TableArn") in (None, r["table_arn"])
        ]
    shown, token = listing.page(
        "ListImports",
        found,
        lambda r: r["arn"].rpartition("/import/")[2],
        req.get("PageSize", 10),
        req.get("NextToken"),
    )
    out: dict[str, Any] = {"ImportSummaryList": [imports.summary(r) for r in shown]}
    if token is not None:
        out["NextToken"] = token
    return out


OPERATION = Operation("ListImports", REQUEST, run)
