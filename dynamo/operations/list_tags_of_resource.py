"""ListTagsOfResource: all tags in one page (DynamoDB ignores NextToken at 50 tags)."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String
from dynamo.tags import arn_not_found, resource_table

REQUEST = Request(
    "ListTagsOfResourceInput",
    {
        "ResourceArn": Member(String(min_len=1, max_len=1283), not_null=True),
        "NextToken": Member(String()),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    arn = req["ResourceArn"]
    name = resource_table(ctx.region, ctx.account, arn)
    with ctx.store.read() as view:
        table = view.table(ctx.region, name)
        if table is None:
            raise arn_not_found(arn)
        return {"Tags": [{"Key": k, "Value": v} for k, v in table.meta["tags"]]}


OPERATION = Operation("ListTagsOfResource", REQUEST, run)
