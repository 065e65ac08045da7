"""RestoreTableFromBackup: a new table from a backup, filled in the background."""

from __future__ import annotations

from typing import Any

from dynamo import backups, restores
from dynamo.engine import Context
from dynamo.errors import DynamoError
from dynamo.operations import Operation
from dynamo.params import TableName
from dynamo.shapes import Member, Request, String
from dynamo.tables import describe
from storage import snapshots
from storage.catalog import unpack_table
from storage.store import WriteView

REQUEST = Request(
    "RestoreTableFromBackupInput",
    {
        "TargetTableName": Member(TableName(min_len=3, arn_ok=False), required=True),
        "BackupArn": Member(String(), required=True),
        **restores.override_members(),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    arn = req["BackupArn"]
    now = ctx.clock()

    def restore(view: WriteView) -> dict[str, Any]:
        record = backups.find(ctx, view, arn)
        if restores.in_use(view, arn):
            raise DynamoError("BackupInUseException", f"Backup is being used to restore another table: {arn}")
        restores.check_target(view, ctx.region, req["TargetTableName"])
        header, entries = snapshots.read(backups.path(ctx, record))
        entries.close()  # type: ignore[attr-defined]
        summary = {
            "SourceBackupArn": arn,
            "SourceTableArn": record["source"]["TableArn"],
            "RestoreDateTime": record["created"],
            "RestoreInProgress": True,
        }
        target = restores.target_table(ctx, unpack_table(header["table"]), req, now, summary)
        restores.start(view, target, record["file"], temporary=False, backup_arn=arn)
        view.after_commit(ctx.engine.restorer.wake)
        return {"TableDescription": describe(ctx, view, target, "create")}

    return ctx.store.write(restore)


OPERATION = Operation("RestoreTableFromBackup", REQUEST, run, writes=True)
