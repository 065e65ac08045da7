"""ListBackups: by creation time, filtered by table, time range and type; paginated."""

from __future__ import annotations

from typing import Any, Final

from dynamo import backups
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.shapes import Integer, Member, Request, String, Timestamp
from dynamo.tables import table_name

BACKUP_TYPES: Final = ["USER", "SYSTEM", "AWS_BACKUP", "ALL"]

REQUEST = Request(
    "ListBackupsInput",
    {
        "TableName": Member(String(min_len=1, max_len=1024)),
        "Limit": Member(Integer(min=1, max=100)),
        "TimeRangeLowerBound": Member(Timestamp()),
        "TimeRangeUpperBound": Member(Timestamp()),
        "ExclusiveStartBackupArn": Member(String(min_len=37, max_len=1024)),
        "BackupType": Member(String(enum=BACKUP_TYPES)),
    },
)


def _position(record: dict[str, Any]) -> str:
    """Backups list in creation order; the ARN's id starts with the creation time."""
    arn: str = record["arn"]
    return arn.rpartition("/backup/")[2]


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    lower = req.get("TimeRangeLowerBound")
    upper = req.get("TimeRangeUpperBound")
    if lower is not None and upper is not None and lower > upper:
        raise validation("Time range lower bound must be less than or equal to upper bound")
    kind = req.get("BackupType", "USER")
    name = table_name(ctx, req["TableName"]) if "TableName" in req else None
    with ctx.store.read() as view:
        found = [
            record
            for _, record in view.records(backups.KIND)
            if record["arn"].startswith(f"arn:aws:dynamodb:{ctx.region}:")
            and (name is None or record["source"]["TableName"] == name)
            and (kind == "ALL" or record["type"] == kind)
            and (lower is None or record["created"] >= round(lower, 3))
            and (upper is None or record["created"] < round(upper, 3))
        ]
    found.sort(key=_position)
    start = req.get("ExclusiveStartBackupArn")
    if start is not None:  # a position in creation order: the backup itself need not exist
        cursor = backups.canonical_arn(ctx, start)
        if start.split(":")[3] != ctx.region:
            raise validation(f"ExclusiveStartBackupArn {start} does not match the region of the request")
        found = [r for r in found if _position(r) > cursor.rpartition("/backup/")[2]]
    limit = req.get("Limit", 100)
    page = found[:limit]
    out: dict[str, Any] = {"BackupSummaries": [backups.summary(r) for r in page]}
    if len(found) > len(page):
        out["LastEvaluatedBackupArn"] = page[-1]["arn"]
    return out


OPERATION = Operation("ListBackups", REQUEST, run)
