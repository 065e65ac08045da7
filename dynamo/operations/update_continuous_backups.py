"""UpdateContinuousBackups: point-in-time recovery on or off, and its recovery period."""

from __future__ import annotations

from typing import Any

from dynamo import pitr
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.shapes import Boolean, Integer, Member, Request, Struct
from dynamo.tables import backup_table, table_arn_name
from storage.store import WriteView

REQUEST = Request(
    "UpdateContinuousBackupsInput",
    {
        "TableName": table_arn_name(),
        "PointInTimeRecoverySpecification": Member(
            Struct(
                "PointInTimeRecoverySpecification",
                {
                    "PointInTimeRecoveryEnabled": Member(Boolean(), not_null=True),
                    "RecoveryPeriodInDays": Member(Integer(min=1, max=35)),
                },
            ),
            not_null=True,
        ),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    spec = req["PointInTimeRecoverySpecification"]
    enable = spec["PointInTimeRecoveryEnabled"]
    days = spec.get("RecoveryPeriodInDays")
    if not enable and days is not None:
        raise validation(
            "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery."
        )

    def update(view: WriteView) -> dict[str, Any]:
        table = backup_table(ctx, view, req["TableName"])
        now = ctx.clock()
        if enable:
            current = table.meta.get("pitr") if pitr.enabled(table) else None
            if current is None:  # (re-)enabling starts a new window
                since, period = now, days or pitr.DEFAULT_DAYS
            else:
                # A longer period must not reach back over history already trimmed.
                since = pitr.window(table, now)[0]
                period = days if days is not None else current["days"]
            table = table.with_meta(pitr={"enabled": True, "since": since, "days": period})
            view.start_history(table)
        elif pitr.enabled(table):
            table = table.with_meta(pitr={"enabled": False})
            view.drop_history(table)
        view.save_table(table)
        return {"ContinuousBackupsDescription": pitr.describe(table, now)}

    return ctx.store.write(update)


OPERATION = Operation("UpdateContinuousBackups", REQUEST, run, writes=True)
