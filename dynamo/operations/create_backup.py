"""CreateBackup: a consistent snapshot of a table's items, written while writes go on."""

from __future__ import annotations

from typing import Any

from dynamo import backups
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.params import NAME_PATTERN
from dynamo.shapes import Member, Request, String
from dynamo.tables import backup_table, table_arn_name

REQUEST = Request(
    "CreateBackupInput",
    {
        "TableName": table_arn_name(),
        # DynamoDB reports the pattern before the length for this member.
        "BackupName": Member(String(pattern=NAME_PATTERN, min_len=3, max_len=255), required=True),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    now = ctx.clock()
    with ctx.store.read() as view:  # one snapshot: the backup is consistent
        table = backup_table(ctx, view, req["TableName"])
        record = backups.take(ctx, view, table, req["BackupName"], now)
    ctx.store.write(lambda view: view.put_record(backups.KIND, record["arn"], record))
    return {"BackupDetails": backups.details(record, status="CREATING")}


OPERATION = Operation("CreateBackup", REQUEST, run, blocking=True)
