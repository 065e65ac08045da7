"""RestoreTableFromBackup: a new table from a backup, filled in the background."""

from __future__ import annotations

import os
from typing import Any

from dynamo import backups, restore_requests
from dynamo.engine import Context
from dynamo.errors import DynamoError
from dynamo.operations import Operation
from dynamo.params import TableName
from dynamo.shapes import Member, Request, String
from storage import snapshots
from storage.catalog import unpack_table
from storage.errors import CorruptStore
from storage.store import WriteView

REQUEST = Request(
    "RestoreTableFromBackupInput",
    {
        "TargetTableName": Member(TableName(min_len=3, arn_ok=False), required=True),
        "BackupArn": Member(String(), required=True),
        **restore_requests.override_members(),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    arn = req["BackupArn"]
    now = ctx.clock()

    def restore(view: WriteView) -> dict[str, Any]:
        record = backups.find(ctx, view, arn)
        stored_arn = backups.canonical_arn(ctx, arn)
        if restore_requests.in_use(view, stored_arn):
            raise DynamoError("BackupInUseException", f"Backup is being used to restore another table: {arn}")
        restore_requests.check_target(view, ctx.region, req["TargetTableName"])
        file = backups.path(ctx, record)
        try:
            header = snapshots.header(file)
        except (OSError, CorruptStore):
            raise DynamoError(
                "InternalServerError", f"The data of backup {arn} is missing or damaged"
            ) from None
        summary = {
            "SourceBackupArn": arn,
            "SourceTableArn": record["source"]["TableArn"],
            "RestoreDateTime": record["created"],
            "RestoreInProgress": True,
        }
        target = restore_requests.target_table(ctx, unpack_table(header["table"]), req, now, summary)
        described = restore_requests.begin(
            ctx, view, target, os.path.abspath(file), temporary=False, backup_arn=stored_arn
        )
        return {"TableDescription": described}

    return ctx.store.write(restore)


OPERATION = Operation("RestoreTableFromBackup", REQUEST, run, writes=True)
