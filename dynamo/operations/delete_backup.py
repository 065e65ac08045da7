"""DeleteBackup: SYSTEM backups expire on their own; one feeding a restore is in use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dynamo import backups, restore_requests
from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String
from storage.store import WriteView

REQUEST = Request("DeleteBackupInput", {"BackupArn": Member(String(), required=True)})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    arn = req["BackupArn"]

    def delete(view: WriteView) -> dict[str, Any]:
        record = backups.find(ctx, view, arn)
        if record["type"] == "SYSTEM":
            expires = datetime.fromtimestamp(record["expires"], UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
            raise validation(
                f"User is not allowed to delete the system backup with arn {arn}. It will automatically expire on {expires}"
            )
        if restore_requests.in_use(view, backups.canonical_arn(ctx, arn)):
            raise DynamoError("BackupInUseException", f"Backup is being used to restore table: {arn}")
        view.delete_record(backups.KIND, backups.canonical_arn(ctx, arn))
        view.after_commit(lambda: backups.remove_file(ctx, record))
        return {"BackupDescription": backups.description(record, status="DELETED")}

    return ctx.store.write(delete)


OPERATION = Operation("DeleteBackup", REQUEST, run, writes=True)
