"""DescribeContinuousBackups: whether point-in-time recovery is on, and its window."""

from __future__ import annotations

from typing import Any

from dynamo import pitr
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Request
from dynamo.tables import backup_table, table_arn_name

REQUEST = Request("DescribeContinuousBackupsInput", {"TableName": table_arn_name()})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        table = backup_table(ctx, view, req["TableName"])
    return {"ContinuousBackupsDescription": pitr.describe(table, ctx.clock())}


OPERATION = Operation("DescribeContinuousBackups", REQUEST, run)
