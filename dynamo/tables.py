"""Finding tables for a request and describing them as DynamoDB does.

A table's DynamoDB-level settings live in ``TableDef.meta`` (a plain dict stored in the
catalog record):

``attributes``      [[name, type], ...] as given to CreateTable
``created``         epoch seconds; ``active_at`` when CREATING ends
``billing``         "PROVISIONED" or "PAY_PER_REQUEST"
``throughput``      {"read", "write", "decreases"} (0/0 for on-demand)
``indexes``         {index name: {"throughput": {...}, "on_demand": {...}}} for GSIs
``tags``            [[key, value], ...]
``protected``       deletion protection
``table_class``     None unless given; ``sse``, ``stream``, ``on_demand`` likewise
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, Literal

from dynamo.engine import Context
from dynamo.errors import DynamoError, resource_not_found, table_not_found
from dynamo.params import split_table_arn
from dynamo.shapes import Member, String
from storage.catalog import IndexDef, KeySchema, TableDef
from storage.store import ReadView

Phase = Literal["create", "describe", "update", "delete"]

# What DescribeTable reports as warm throughput for on-demand tables and indexes.
ON_DEMAND_WARM: Final = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}


def stream_label(now: float) -> str:
    """A stream label: the stream's creation time, ISO 8601 with milliseconds, UTC."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def table_name(ctx: Context, name: str) -> str:
    """The plain table name a request addresses (``TableName`` may be an ARN)."""
    return split_table_arn(ctx.region, ctx.account, name)


def is_active(ctx: Context, table: TableDef) -> bool:
    return bool(ctx.clock() >= table.meta["active_at"])


def data_table(ctx: Context, view: ReadView, name: str) -> TableDef:
    """The table an item operation addresses; missing or still CREATING is not found."""
    table = view.table(ctx.region, table_name(ctx, name))
    if table is None or not is_active(ctx, table):
        raise resource_not_found()
    return table


def backup_table_not_found(given: str) -> DynamoError:
    """Backups and point-in-time recovery name a missing table their own way."""
    return DynamoError("TableNotFoundException", f"Table not found: {given}")


def backup_table(ctx: Context, view: ReadView, name: str) -> TableDef:
    """The table a backup or PITR operation addresses: missing or not yet ACTIVE (being
    created or restored) is TableNotFoundException."""
    table = view.table(ctx.region, table_name(ctx, name))
    if table is None or not is_active(ctx, table):
        raise backup_table_not_found(name)
    return table


def table_arn_name() -> Member:
    """``TableName`` of backup and PITR operations (the model's TableArn: 1-1024, any text)."""
    return Member(String(min_len=1, max_len=1024), required=True)


def control_table(ctx: Context, view: ReadView, name: str) -> TableDef:
    """The table a control-plane operation addresses."""
    plain = table_name(ctx, name)
    table = view.table(ctx.region, plain)
    if table is None:
        raise table_not_found(plain)
    return table


def key_schema_json(schema: KeySchema) -> list[dict[str, str]]:
    out = [{"AttributeName": schema.hash.name, "KeyType": "HASH"}]
    if schema.range is not None:
        out.append({"AttributeName": schema.range.name, "KeyType": "RANGE"})
    return out


def projection_json(index: IndexDef) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection}
    if index.projection == "INCLUDE":
        projection["NonKeyAttributes"] = sorted(index.non_key_attributes)
    return projection


def throughput_json(throughput: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "last_increase" in throughput:
        out["LastIncreaseDateTime"] = throughput["last_increase"]
    if "last_decrease" in throughput:
        out["LastDecreaseDateTime"] = throughput["last_decrease"]
    out["NumberOfDecreasesToday"] = throughput.get("decreases", 0)
    out["ReadCapacityUnits"] = throughput["read"]
    out["WriteCapacityUnits"] = throughput["write"]
    return out


def _warm(meta: dict[str, Any], throughput: dict[str, Any]) -> dict[str, Any]:
    if meta["billing"] == "PAY_PER_REQUEST":
        return dict(ON_DEMAND_WARM)
    return {
        "ReadUnitsPerSecond": throughput["read"],
        "WriteUnitsPerSecond": throughput["write"],
        "Status": "ACTIVE",
    }


def _on_demand_json(on_demand: dict[str, int]) -> dict[str, int]:
    return {key: value for key, value in on_demand.items()}


def describe(ctx: Context, view: ReadView, table: TableDef, phase: Phase) -> dict[str, Any]:
    """The TableDescription DynamoDB returns after CreateTable, DescribeTable or DeleteTable."""
    meta = table.meta
    if phase == "create":
        status = "CREATING"
    elif phase == "delete":
        status = "DELETING"
    elif phase == "update":
        status = "UPDATING"
    else:
        status = "ACTIVE" if is_active(ctx, table) else "CREATING"
    arn = ctx.table_arn(table.name)
    desc: dict[str, Any] = {}
    if phase != "delete":
        desc["AttributeDefinitions"] = [
            {"AttributeName": name, "AttributeType": type_} for name, type_ in sorted(meta["attributes"])
        ]
    desc["TableName"] = table.name
    if phase != "delete":
        desc["KeySchema"] = key_schema_json(table.key_schema)
    desc["TableStatus"] = status
    if phase != "delete":
        desc["CreationDateTime"] = meta["created"]
    desc["ProvisionedThroughput"] = throughput_json(meta["throughput"])
    size = 0 if phase == "create" else view.size_bytes(table)
    count = 0 if phase == "create" else view.item_count(table)
    desc["TableSizeBytes"] = size
    desc["ItemCount"] = count
    desc["TableArn"] = arn
    desc["TableId"] = table.table_id
    if meta["billing"] == "PAY_PER_REQUEST":
        summary: dict[str, Any] = {"BillingMode": "PAY_PER_REQUEST"}
        if phase != "create":
            summary["LastUpdateToPayPerRequestDateTime"] = meta["billing_updated"]
        desc["BillingModeSummary"] = summary
    if phase != "delete":
        lsis = [ix for ix in table.indexes if ix.kind == "LSI"]
        gsis = [ix for ix in table.indexes if ix.kind == "GSI"]
        if lsis:
            desc["LocalSecondaryIndexes"] = [_describe_lsi(view, arn, table, ix, phase) for ix in lsis]
        if gsis:
            desc["GlobalSecondaryIndexes"] = [_describe_gsi(ctx, view, arn, table, ix, phase) for ix in gsis]
    stream = meta.get("stream")
    if stream and stream.get("enabled"):
        desc["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["view_type"]}
    if stream and stream.get("label"):
        desc["LatestStreamLabel"] = stream["label"]
        desc["LatestStreamArn"] = f"{arn}/stream/{stream['label']}"
    sse = meta.get("sse")
    if sse:
        desc["SSEDescription"] = {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": sse["key_arn"]}
    if meta.get("table_class"):
        desc["TableClassSummary"] = {"TableClass": meta["table_class"]}
    desc["DeletionProtectionEnabled"] = bool(meta.get("protected", False))
    if meta.get("on_demand"):
        desc["OnDemandThroughput"] = _on_demand_json(meta["on_demand"])
    if phase == "describe":
        desc["WarmThroughput"] = _warm(meta, meta["throughput"])
    if "restore" in meta:  # only while the restore is filling the table
        desc["RestoreSummary"] = dict(meta["restore"])
    return desc


def _index_stats(view: ReadView, table: TableDef, index: IndexDef, phase: Phase) -> tuple[int, int]:
    if phase == "create":
        return 0, 0
    return view.index_size_bytes(table, index), view.index_item_count(table, index)


def _describe_lsi(
    view: ReadView, table_arn: str, table: TableDef, index: IndexDef, phase: Phase
) -> dict[str, Any]:
    size, count = _index_stats(view, table, index, phase)
    return {
        "IndexName": index.name,
        "KeySchema": key_schema_json(index.key_schema),
        "Projection": projection_json(index),
        "IndexSizeBytes": size,
        "ItemCount": count,
        "IndexArn": f"{table_arn}/index/{index.name}",
    }


def index_active(ctx: Context, table: TableDef, index: IndexDef) -> bool:
    """Whether a GSI has finished creating (LSIs are active with their table)."""
    settings = table.meta["indexes"].get(index.name, {})
    return is_active(ctx, table) and ctx.clock() >= settings.get("active_at", 0)


def _describe_gsi(
    ctx: Context, view: ReadView, table_arn: str, table: TableDef, index: IndexDef, phase: Phase
) -> dict[str, Any]:
    meta = table.meta
    settings = meta["indexes"].get(index.name, {})
    throughput = settings.get("throughput", {"read": 0, "write": 0})
    active = phase in ("describe", "update") and index_active(ctx, table, index)
    size, count = _index_stats(view, table, index, phase)
    desc: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": key_schema_json(index.key_schema),
        "Projection": projection_json(index),
    }
    if "restore" not in meta:  # a restore target's indexes show no status until it is ready
        desc["IndexStatus"] = "ACTIVE" if active else "CREATING"
    if "active_at" in settings and not active:
        desc["Backfilling"] = True  # only indexes added by UpdateTable report it
    desc["ProvisionedThroughput"] = throughput_json(throughput)
    desc["IndexSizeBytes"] = size
    desc["ItemCount"] = count
    desc["IndexArn"] = f"{table_arn}/index/{index.name}"
    if settings.get("on_demand"):
        desc["OnDemandThroughput"] = _on_demand_json(settings["on_demand"])
    if phase == "describe":
        desc["WarmThroughput"] = _warm(meta, throughput)
    return desc
