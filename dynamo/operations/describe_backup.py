"""DescribeBackup."""

from __future__ import annotations

from typing import Any

from dynamo import backups
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String

REQUEST = Request("DescribeBackupInput", {"BackupArn": Member(String(), required=True)})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        record = backups.find(ctx, view, req["BackupArn"])
    return {"BackupDescription": backups.description(record)}


OPERATION = Operation("DescribeBackup", REQUEST, run)
