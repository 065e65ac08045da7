"""UntagResource: remove tags by key (absent keys are fine; empty body)."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.shapes import List, Member, Request, String
from dynamo.tags import MAX_TAGS, arn_not_found, check_key, resource_table
from storage.store import WriteView

REQUEST = Request(
    "UntagResourceInput",
    {
        "ResourceArn": Member(String(min_len=1, max_len=1283), not_null=True),
        "TagKeys": Member(List(String()), not_null=True),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> None:
    arn = req["ResourceArn"]
    name = resource_table(ctx.region, ctx.account, arn)
    keys = req["TagKeys"]
    if not keys:
        raise validation("Atleast one Tag Key needs to be provided as Input.")
    for key in keys:
        check_key(key)
    if len(keys) > MAX_TAGS:
        raise validation("Number of Tags exceed the current limit for the provided ResourceArn")
    doomed = set(keys)

    def untag(view: WriteView) -> None:
        table = view.table(ctx.region, name)
        if table is None:
            raise arn_not_found(arn)
        remaining = [[k, v] for k, v in table.meta["tags"] if k not in doomed]
        view.save_table(table.with_meta(tags=remaining))

    ctx.store.write(untag)


OPERATION = Operation("UntagResource", REQUEST, run, writes=True)
