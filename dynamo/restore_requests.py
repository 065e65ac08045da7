"""What a restore request asks for (reference 13.2, 13.4): the new table, and its job.

Both RestoreTableFromBackup and RestoreTableToPointInTime end in a snapshot file of the
items to restore (a backup's, or one written for the moment asked) and the source table's
definition. :func:`target_table` applies the request's overrides as DynamoDB checks them;
:func:`begin` creates the target CREATING (item operations on it answer ResourceNotFound
until it is ready) with a job record, in one transaction, for :mod:`dynamo.restorer` to
fill in the background.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import DynamoError, invalid_parameters, validation
from dynamo.schemas import check_sse, index_shape, on_demand_shape, throughput_meta, throughput_shape
from dynamo.shapes import Boolean, List, Member, String, Struct
from dynamo.tables import describe, key_schema_json, projection_json
from storage.catalog import IndexDef, TableDef
from storage.store import ReadView, WriteView

KIND: Final = "restore"
NOT_READY: Final = 1e18  # a restoring table's "active at": never, until its job finishes


def override_members() -> dict[str, Member]:
    """The members both restore operations take to change what they restore."""
    return {
        "BillingModeOverride": Member(String(enum=["PROVISIONED", "PAY_PER_REQUEST"])),
        "GlobalSecondaryIndexOverride": Member(List(index_shape("GlobalSecondaryIndex", global_=True))),
        "LocalSecondaryIndexOverride": Member(List(index_shape("LocalSecondaryIndex", global_=False))),
        "ProvisionedThroughputOverride": Member(throughput_shape()),
        "OnDemandThroughputOverride": Member(on_demand_shape()),
        "SSESpecificationOverride": Member(
            Struct(
                "SSESpecification",
                {
                    "Enabled": Member(Boolean()),
                    "SSEType": Member(String(enum=["AES256", "KMS"])),
                    "KMSMasterKeyId": Member(String(min_len=1)),
                },
            )
        ),
    }


def restoring(table: TableDef) -> bool:
    return "restore" in table.meta


def check_target(view: ReadView, region: str, name: str) -> None:
    """The target name must be free (a table being restored there says so)."""
    existing = view.table(region, name)
    if existing is None:
        return
    if restoring(existing):
        summary = existing.meta["restore"]
        source = summary.get("SourceBackupArn") or summary["SourceTableArn"]
        raise DynamoError(
            "TableInUseException", f"Table: {name} is already being restored from backup: {source}"
        )
    raise DynamoError("TableAlreadyExistsException", f"Table already exists: {name}")


def in_use(view: ReadView, backup_arn: str) -> bool:
    """Whether a backup is feeding a restore that has not finished."""
    return any(job.get("backup") == backup_arn for _, job in view.records(KIND))


def _shape_of(index: IndexDef) -> tuple[Any, Any]:
    return key_schema_json(index.key_schema), projection_json(index)


def _requested_shape(entry: dict[str, Any]) -> tuple[Any, Any]:
    projection = entry["Projection"]
    wanted: dict[str, Any] = {"ProjectionType": projection.get("ProjectionType", "ALL")}
    if wanted["ProjectionType"] == "INCLUDE":
        wanted["NonKeyAttributes"] = sorted(projection.get("NonKeyAttributes") or [])
    return entry["KeySchema"], wanted


def _overridden(
    source: TableDef, kind: str, entries: list[dict[str, Any]] | None
) -> list[tuple[IndexDef, IndexDef, dict[str, Any] | None]]:
    """(restored index, source index, override entry) of every index of ``kind`` to restore.

    Without an override, all of them. An override lists the ones to keep, each matched to
    a distinct source index by key schema and projection (so it may rename it; a source
    index of the same name is preferred), and cannot add any.
    """
    candidates = [ix for ix in source.indexes if ix.kind == kind]
    if entries is None:
        return [(ix, ix, None) for ix in candidates]
    chosen: list[tuple[IndexDef, IndexDef, dict[str, Any] | None]] = []
    names: set[str] = set()
    for entry in entries:
        name = entry["IndexName"]
        if name in names:
            raise invalid_parameters(f"Duplicate index name: {name}")
        names.add(name)
        if kind == "GSI" and entry.get("WarmThroughput") is not None:
            raise validation("WarmThroughput is not supported in GlobalSecondaryIndexOverride")
        taken = {id(source_index) for _, source_index, _ in chosen}
        matches = [
            ix for ix in candidates if _shape_of(ix) == _requested_shape(entry) and id(ix) not in taken
        ]
        match = next((ix for ix in matches if ix.name == name), matches[0] if matches else None)
        if match is None:
            raise validation(
                f"Index {name} does not match a secondary index that existed in the source table "
                "and cannot be created during the restore operation"
            )
        restored = IndexDef(name, kind, match.key_schema, match.projection, match.non_key_attributes)
        chosen.append((restored, match, entry))
    return chosen


def _check_on_demand(on_demand: dict[str, int]) -> None:
    for member in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
        value = on_demand.get(member)
        if value is not None and value != -1 and value < 1:
            raise validation(
                f"Invalid Request: Requested {member} for OnDemandThroughput is outside of valid range"
            )


def target_table(
    ctx: Context, source: TableDef, req: dict[str, Any], now: float, summary: dict[str, Any]
) -> TableDef:
    """The table a restore creates from ``source``'s definition and the request's overrides."""
    meta = source.meta
    billing_override = req.get("BillingModeOverride")
    billing = billing_override or meta["billing"]
    throughput = req.get("ProvisionedThroughputOverride")
    on_demand = req.get("OnDemandThroughputOverride")
    if throughput is not None and billing != "PROVISIONED":
        raise validation("Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED")
    if billing_override == "PROVISIONED" and throughput is None and meta["billing"] != "PROVISIONED":
        raise validation("Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED")
    if on_demand is not None:
        if billing != "PAY_PER_REQUEST":
            raise validation(
                "Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST"
            )
        _check_on_demand(on_demand)
    gsis = _overridden(source, "GSI", req.get("GlobalSecondaryIndexOverride"))
    lsis = _overridden(source, "LSI", req.get("LocalSecondaryIndexOverride"))
    settings = {
        index.name: _gsi_settings(meta, index, source_index, entry, billing, billing_override)
        for index, source_index, entry in gsis
    }
    indexes = tuple(ix for ix, _, _ in lsis) + tuple(ix for ix, _, _ in gsis)
    used = set(source.key_schema.names) | {a.name for ix in indexes for a in ix.key_schema.attributes}
    if billing == "PROVISIONED":
        table_throughput = throughput_meta(throughput) if throughput is not None else dict(meta["throughput"])
    else:
        table_throughput = throughput_meta(None)
    if "SSESpecificationOverride" in req:
        sse = check_sse(ctx, req["SSESpecificationOverride"])
    else:
        sse = meta.get("sse")
    if on_demand is None and billing == "PAY_PER_REQUEST":
        on_demand = meta.get("on_demand")  # the recorded maxima come back with the table
    new_meta = {
        "attributes": [pair for pair in meta["attributes"] if pair[0] in used],
        "created": round(now, 3),
        "active_at": NOT_READY,
        "billing": billing,
        "billing_updated": round(now, 3),
        "throughput": table_throughput,
        "indexes": settings,
        "tags": [],
        "protected": False,
        "table_class": None,
        "stream": None,
        "sse": sse,
        "on_demand": on_demand,
        "restore": summary,
    }
    return TableDef(
        ctx.region, req["TargetTableName"], str(uuid.uuid4()), source.key_schema, indexes, new_meta
    )


def _gsi_settings(
    meta: dict[str, Any],
    index: IndexDef,
    source_index: IndexDef,
    entry: dict[str, Any] | None,
    billing: str,
    billing_override: str | None,
) -> dict[str, Any]:
    recorded = meta["indexes"].get(source_index.name, {})
    requested = None if entry is None else entry.get("ProvisionedThroughput")
    if billing == "PROVISIONED":
        if requested is None and (entry is not None or not recorded.get("throughput", {}).get("read")):
            raise validation(f"Must specify provisioned throughput for index {index.name}")
        throughput = throughput_meta(requested) if requested is not None else dict(recorded["throughput"])
    else:
        if requested is not None and billing_override == "PAY_PER_REQUEST":
            raise validation(
                f"Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST for index {index.name}"
            )
        throughput = throughput_meta(None)
    settings: dict[str, Any] = {"throughput": throughput}
    on_demand = (entry or {}).get("OnDemandThroughput") or recorded.get("on_demand")
    if on_demand:
        settings["on_demand"] = on_demand
    return settings


def begin(
    ctx: Context, view: WriteView, target: TableDef, snapshot: str, *, temporary: bool, backup_arn: str | None
) -> dict[str, Any]:
    """Create the restore target (CREATING) and its job; the TableDescription to answer.

    ``snapshot`` is the absolute path of the items; ``temporary`` ones are deleted when
    the restore is done.
    """
    check_target(view, target.region, target.name)
    view.create_table(target)
    job = {
        "region": target.region,
        "table": target.name,
        "file": snapshot,
        "temporary": temporary,
        "backup": backup_arn,
    }
    view.put_record(KIND, target.table_id, job)
    view.after_commit(ctx.engine.jobs.wake)
    return describe(ctx, view, target, "create")
