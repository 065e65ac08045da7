"""ListTables: names in byte order, paginated by ``ExclusiveStartTableName``."""

from __future__ import annotations

import bisect
from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.params import TableName
from dynamo.shapes import Integer, Member, Request

REQUEST = Request(
    "ListTablesInput",
    {
        # DynamoDB lists a bad Limit before a bad start name.
        "Limit": Member(Integer(min=1, max=100)),
        "ExclusiveStartTableName": Member(
            TableName(min_len=3, rules=("pattern", "min", "max"), arn_ok=False)
        ),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    limit = req.get("Limit", 100)
    with ctx.store.read() as view:
        names = view.table_names(ctx.region)
    start = req.get("ExclusiveStartTableName")
    first = 0 if start is None else bisect.bisect_right(names, start)
    page = names[first : first + limit]
    response: dict[str, Any] = {"TableNames": page}
    if first + limit < len(names):
        response["LastEvaluatedTableName"] = page[-1]
    return response


OPERATION = Operation("ListTables", REQUEST, run)
