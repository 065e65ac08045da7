"""TagResource: add or replace tags on a table (answered with an empty body)."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String
from dynamo.tags import TAG_LIST, arn_not_found, check_tags, merge, resource_table
from storage.store import WriteView

REQUEST = Request(
    "TagResourceInput",
    {
        "ResourceArn": Member(String(min_len=1, max_len=1283), not_null=True),
        "Tags": Member(TAG_LIST, not_null=True),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> None:
    arn = req["ResourceArn"]
    name = resource_table(ctx.region, ctx.account, arn)
    if not req["Tags"]:
        raise validation("Atleast one Tag needs to be provided as Input.")
    new = check_tags(req["Tags"])

    def tag(view: WriteView) -> None:
        table = view.table(ctx.region, name)
        if table is None:
            raise arn_not_found(arn)
        view.save_table(table.with_meta(tags=merge(table.meta["tags"], new)))

    ctx.store.write(tag)


OPERATION = Operation("TagResource", REQUEST, run, writes=True)
