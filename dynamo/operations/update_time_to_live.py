"""UpdateTimeToLive: turn a table's TTL on (naming its attribute) or off (reference 11).

The change takes effect at once (DynamoDB reports ENABLED immediately in practice). DynamoDB
also refuses a second change within about an hour; that rule is off by default here, so a
test suite can switch TTL freely, and ``ttl_change_interval`` turns it on.
"""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.errors import resource_in_use, validation
from dynamo.operations import Operation
from dynamo.params import control_table_name
from dynamo.shapes import Boolean, Member, Request, String, Struct
from dynamo.tables import control_table, is_active
from storage.store import WriteView

REQUEST = Request(
    "UpdateTimeToLiveInput",
    {
        "TableName": control_table_name(),
        "TimeToLiveSpecification": Member(
            Struct(
                "TimeToLiveSpecification",
                {
                    "Enabled": Member(Boolean(), not_null=True),
                    "AttributeName": Member(String(min_len=1, max_len=255), not_null=True),
                },
            ),
            not_null=True,
        ),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    spec = req["TimeToLiveSpecification"]
    enable, attribute = spec["Enabled"], spec["AttributeName"]

    def update(view: WriteView) -> dict[str, Any]:
        table = control_table(ctx, view, req["TableName"])
        if not is_active(ctx, table):
            raise resource_in_use(
                f"Attempt to change a resource which is still in use: Table is being created: {table.name}"
            )
        current = table.meta.get("ttl") or {}
        enabled = bool(current.get("enabled"))
        if enabled and current["attribute"] != attribute:
            raise validation(
                f"TimeToLive is active on a different AttributeName: current AttributeName is {current['attribute']}"
            )
        if enable and enabled:
            raise validation("TimeToLive is already enabled")
        if not enable and not enabled:
            raise validation("TimeToLive is already disabled")
        now = ctx.clock()
        interval = ctx.settings.ttl_change_interval
        if interval and now - current.get("changed", float("-inf")) < interval:
            raise validation("Time to live has been modified multiple times within a fixed interval")
        view.save_table(table.with_meta(ttl={"enabled": enable, "attribute": attribute, "changed": now}))
        return {"TimeToLiveSpecification": {"Enabled": enable, "AttributeName": attribute}}

    return ctx.store.write(update)


OPERATION = Operation("UpdateTimeToLive", REQUEST, run, writes=True)
