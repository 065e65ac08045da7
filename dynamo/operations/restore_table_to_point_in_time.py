"""RestoreTableToPointInTime: a new table holding exactly the items of a table at a moment.

The items as of the requested time are computed from the table and its history in one
read transaction and written to a temporary snapshot file (so writes go on meanwhile);
the new table is then created and filled in the background, as for a backup restore.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from dynamo import backups, pitr, restore_requests
from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.operations import Operation
from dynamo.params import TableName, split_table_arn
from dynamo.shapes import Boolean, Member, Request, String, Timestamp
from dynamo.tables import backup_table

REQUEST = Request(
    "RestoreTableToPointInTimeInput",
    {
        "SourceTableArn": Member(String(min_len=1, max_len=1024)),
        "SourceTableName": Member(TableName(min_len=3, arn_ok=False)),
        "TargetTableName": Member(TableName(min_len=3, arn_ok=False), required=True),
        "UseLatestRestorableTime": Member(Boolean()),
        "RestoreDateTime": Member(Timestamp()),
        **restore_requests.override_members(),
    },
)


def _source(ctx: Context, req: dict[str, Any]) -> tuple[str, str]:
    """(table name, what a TableNotFoundException says) of the source."""
    arn, name = req.get("SourceTableArn"), req.get("SourceTableName")
    if arn is not None and name is not None:
        raise validation("Must provide exactly one of: sourceTableArn, sourceTableName")
    if arn is None and name is None:
        raise validation("The parameter 'TableName' is required")
    if arn is None:
        assert name is not None
        return name, f"Table not found: {name}"
    if not arn.startswith("arn:"):
        raise validation("sourceTableArn is not a valid ARN")
    return split_table_arn(ctx.region, ctx.account, arn), "Table not found"


def _check_time_flags(req: dict[str, Any]) -> None:
    latest, when = req.get("UseLatestRestorableTime"), req.get("RestoreDateTime")
    if latest and when is not None:
        raise validation(
            "Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time "
            "restore request. Please specify either RestoreDateTime or UseLatestRestorableTime"
        )
    if not latest and when is None:
        raise validation(
            "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
        )


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    name, missing = _source(ctx, req)
    _check_time_flags(req)
    target_name = req["TargetTableName"]
    now = ctx.clock()
    name_in_dir = f"pitr-{int(now * 1000):014d}-{secrets.token_hex(4)}.snapshot"
    with ctx.store.read() as view:  # the items at that time, from one snapshot
        try:
            source = backup_table(ctx, view, name)
        except DynamoError:
            raise DynamoError("TableNotFoundException", missing) from None
        if not pitr.enabled(source):
            raise pitr.unavailable(source.name)
        asked = now if req.get("UseLatestRestorableTime") else req["RestoreDateTime"]
        when = pitr.restore_time(source, asked, now)
        restore_requests.check_target(view, ctx.region, target_name)
        summary = {
            "SourceTableArn": ctx.table_arn(source.name),
            "RestoreDateTime": round(asked, 3),
            "RestoreInProgress": True,
        }
        target = restore_requests.target_table(ctx, source, req, now, summary)  # overrides checked first
        file = backups.write_snapshot(ctx, source, name_in_dir, pitr.items_at(view, source, when))
    try:
        return {
            "TableDescription": ctx.store.write(
                lambda view: restore_requests.begin(ctx, view, target, file, temporary=True, backup_arn=None)
            )
        }
    except BaseException:
        os.remove(file)
        raise


OPERATION = Operation("RestoreTableToPointInTime", REQUEST, run, blocking=True)
