"""DescribeTimeToLive: whether a table's TTL is on, and on which attribute."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.params import control_table_name
from dynamo.shapes import Request
from dynamo.tables import control_table, is_active

REQUEST = Request("DescribeTimeToLiveInput", {"TableName": control_table_name()})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        table = control_table(ctx, view, req["TableName"])
    if not is_active(ctx, table):
        raise validation(
            "Cannot describe time to live while table is in CREATING state: Current table state is CREATING"
        )
    ttl = table.meta.get("ttl") or {}
    if not ttl.get("enabled"):
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": ttl["attribute"]}}


OPERATION = Operation("DescribeTimeToLive", REQUEST, run)
