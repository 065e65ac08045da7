"""On-demand backups (reference 13.1): what a backup records, where its items go, and how
DynamoDB describes it.

A backup is a snapshot file of the table's items, written from one LMDB read transaction
(so it is consistent while writes go on), plus a record in the catalog holding what
DescribeBackup and ListBackups show. Files live in the engine's backup directory (by
default ``<data dir>/backups``); a backup outlives its table.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from typing import TYPE_CHECKING, Any, Final

from dynamo import arns
from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.tables import key_schema_json, projection_json, throughput_json
from storage import snapshots
from storage.catalog import TableDef, pack_table
from storage.store import ReadView

if TYPE_CHECKING:
    from dynamo.engine import Engine

KIND: Final = "backup"
_ARN: Final = re.compile(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):"
    r"table/(?P<table>[a-zA-Z0-9_.-]{3,255})/backup/(?P<id>\d{14}-[0-9a-f]{8})"
)


def backup_id(now: float, system: bool = False) -> str:
    """``<14-digit epoch ms>-<8 hex>`` (SYSTEM backups end in ``-00000000``)."""
    return f"{int(now * 1000):014d}-{'0' * 8 if system else secrets.token_hex(4)}"


def canonical_arn(ctx: Context, arn: str) -> str:
    """The backup ARN as this engine stores it, or DynamoDB's error for a malformed one.

    DynamoDB ignores the region written in a backup ARN (it acts on the backup and echoes
    the ARN as given), but refuses a region, partition or service that is not one.
    """
    found = _ARN.fullmatch(arn)
    if found is None:
        raise validation("Invalid Backup ARN")
    if (
        found["partition"] != "aws"
        or found["service"] != "dynamodb"
        or not arns.REGION_NAME.fullmatch(found["region"])
    ):
        raise validation("BackupArn is not valid")
    if found["account"] != ctx.account:
        raise DynamoError("AccessDeniedException", "Access is denied")
    return f"arn:aws:dynamodb:{ctx.region}:{ctx.account}:table/{found['table']}/backup/{found['id']}"


def find(ctx: Context, view: ReadView, arn: str) -> dict[str, Any]:
    """The record of a backup, shown under the ARN as the client gave it."""
    record = view.record(KIND, canonical_arn(ctx, arn))
    if record is None:
        raise DynamoError("BackupNotFoundException", f"Backup not found: {arn}")
    return {**record, "arn": arn}


def region_of(record: dict[str, Any]) -> str:
    arn: str = record["arn"]
    return arn.split(":")[3]


def directory(ctx: Context) -> str:
    """The backup directory of this engine (created when first written to)."""
    where = ctx.settings.backup_dir or os.path.join(ctx.engine.path, "backups")
    if not os.path.isdir(where):
        os.makedirs(where, exist_ok=True)
    return where


def path(ctx: Context, record: dict[str, Any]) -> str:
    """Where a backup's snapshot file is (records keep the absolute path, so every process
    finds it whatever its own backup directory)."""
    file: str = record["file"]
    return file if os.path.isabs(file) else os.path.join(directory(ctx), file)


def write_snapshot(ctx: Context, table: TableDef, name: str, entries: Any) -> str:
    """Write a table's items (``entries``: (item, size) pairs) to a snapshot file called
    ``name`` in the backup directory; its absolute path."""
    where = os.path.abspath(os.path.join(directory(ctx), name))
    snapshots.write(where, {"table": pack_table(table)}, entries)
    return where


def source_details(ctx: Context, view: ReadView, table: TableDef) -> dict[str, Any]:
    """SourceTableDetails: the table as it was when backed up."""
    meta = table.meta
    details: dict[str, Any] = {
        "TableName": table.name,
        "TableId": table.table_id,
        "TableArn": ctx.table_arn(table.name),
        "TableSizeBytes": view.size_bytes(table),
        "KeySchema": key_schema_json(table.key_schema),
        "TableCreationDateTime": meta["created"],
        "ProvisionedThroughput": {
            "ReadCapacityUnits": meta["throughput"]["read"],
            "WriteCapacityUnits": meta["throughput"]["write"],
        },
    }
    if meta.get("on_demand"):
        details["OnDemandThroughput"] = dict(meta["on_demand"])
    details["ItemCount"] = view.item_count(table)
    details["BillingMode"] = meta["billing"]
    return details


def feature_details(table: TableDef) -> dict[str, Any]:
    """SourceTableFeatureDetails: indexes, stream, TTL and encryption at backup time."""
    meta = table.meta
    features: dict[str, Any] = {}
    lsis = [ix for ix in table.indexes if ix.kind == "LSI"]
    gsis = [ix for ix in table.indexes if ix.kind == "GSI"]
    if lsis:
        features["LocalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": key_schema_json(ix.key_schema),
                "Projection": projection_json(ix),
            }
            for ix in lsis
        ]
    if gsis:
        features["GlobalSecondaryIndexes"] = [
            {
                "IndexName": ix.name,
                "KeySchema": key_schema_json(ix.key_schema),
                "Projection": projection_json(ix),
                "ProvisionedThroughput": _plain_throughput(
                    meta["indexes"].get(ix.name, {}).get("throughput")
                ),
            }
            for ix in gsis
        ]
    stream = meta.get("stream")
    if stream and stream.get("enabled"):
        features["StreamDescription"] = {"StreamEnabled": True, "StreamViewType": stream["view_type"]}
    ttl = meta.get("ttl")
    if ttl and ttl.get("enabled"):
        features["TimeToLiveDescription"] = {"TimeToLiveStatus": "ENABLED", "AttributeName": ttl["attribute"]}
    if meta.get("sse"):
        features["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": meta["sse"]["key_arn"],
        }
    return features


def _plain_throughput(throughput: dict[str, Any] | None) -> dict[str, int]:
    described = throughput_json(throughput or {"read": 0, "write": 0})
    return {k: described[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")}


def details(record: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """BackupDetails."""
    out: dict[str, Any] = {
        "BackupArn": record["arn"],
        "BackupName": record["name"],
        "BackupSizeBytes": record["size"],
        "BackupStatus": status or record["status"],
        "BackupType": record["type"],
        "BackupCreationDateTime": record["created"],
    }
    if record.get("expires") is not None:
        out["BackupExpiryDateTime"] = record["expires"]
    return out


def description(record: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """BackupDescription (DescribeBackup, DeleteBackup)."""
    return {
        "BackupDetails": details(record, status),
        "SourceTableDetails": record["source"],
        "SourceTableFeatureDetails": record["features"],
    }


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """A BackupSummaries entry (ListBackups)."""
    source = record["source"]
    out: dict[str, Any] = {
        "TableName": source["TableName"],
        "TableId": source["TableId"],
        "TableArn": source["TableArn"],
        "BackupArn": record["arn"],
        "BackupName": record["name"],
        "BackupCreationDateTime": record["created"],
    }
    if record.get("expires") is not None:
        out["BackupExpiryDateTime"] = record["expires"]
    out.update(BackupStatus=record["status"], BackupType=record["type"], BackupSizeBytes=record["size"])
    return out


def take(
    ctx: Context,
    view: ReadView,
    table: TableDef,
    name: str,
    now: float,
    *,
    entries: Any = None,
    system: bool = False,
) -> dict[str, Any]:
    """Write a backup of ``table`` as ``view`` sees it; the record to store for it.

    ``entries`` (item, size pairs) default to the table's current items.
    """
    ident = backup_id(now, system)
    arn = f"{ctx.table_arn(table.name)}/backup/{ident}"
    items: Any = entries if entries is not None else view.items(table)
    file = write_snapshot(ctx, table, f"{ident}-{table.table_id}.snapshot", items)
    return {
        "arn": arn,
        "name": name,
        "created": round(now, 3),
        "size": view.size_bytes(table),
        "status": "AVAILABLE",
        "type": "SYSTEM" if system else "USER",
        "expires": round(now + 35 * 24 * 3600, 3) if system else None,
        "file": file,
        "source": source_details(ctx, view, table),
        "features": feature_details(table),
    }


def remove_file(ctx: Context, record: dict[str, Any]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path(ctx, record))


ORPHAN_AGE: Final = 3600.0  # files this old that no backup or restore names are leftovers


def sweep_orphans(engine: Engine) -> int:
    """Delete snapshot files no backup record or restore job names (a crash between
    writing a snapshot and committing its record leaves one), and interrupted partial
    files; only files older than an hour, so another process's work in flight is safe."""
    where = engine.settings.backup_dir or os.path.join(engine.path, "backups")
    if not os.path.isdir(where):
        return 0
    with engine.store.read() as view:
        wanted = {os.path.abspath(str(r["file"])) for _, r in view.records(KIND)}
        wanted |= {os.path.abspath(str(job["file"])) for _, job in view.records("restore")}
    removed = 0
    cutoff = time.time() - ORPHAN_AGE
    for entry in os.scandir(where):
        name = entry.name
        if not (name.endswith(".snapshot") or name.endswith(snapshots.PARTIAL)):
            continue
        path = os.path.abspath(entry.path)
        if path in wanted or entry.stat().st_mtime > cutoff:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
            removed += 1
    return removed
