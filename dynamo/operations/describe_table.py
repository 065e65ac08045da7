"""DescribeTable."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.params import control_table_name
from dynamo.shapes import Request
from dynamo.tables import control_table, describe

REQUEST = Request("DescribeTableInput", {"TableName": control_table_name()})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        table = control_table(ctx, view, req["TableName"])
        return {"Table": describe(ctx, view, table, "describe")}


OPERATION = Operation("DescribeTable", REQUEST, run)
