"""UpdateTable: billing mode and throughput, global secondary indexes, deletion protection.

A new GSI is filled from the existing items in the same transaction that adds it
(items whose index key has the wrong type or size are skipped, as DynamoDB's backfill
does); it reports CREATING/Backfilling until ``Settings.index_create_delay`` has passed.
A deleted GSI goes away with its entries at once.
"""

from __future__ import annotations

from typing import Any

from dynamo import table_streams
from dynamo.engine import Context
from dynamo.errors import (
    DynamoError,
    invalid_parameters,
    limit_exceeded,
    resource_in_use,
    resource_not_found,
    validation,
)
from dynamo.keys import index_keys_acceptable
from dynamo.operations import Operation
from dynamo.params import control_table_name, refuse_unsupported
from dynamo.schemas import (
    attribute_names,
    check_capacity_bounds,
    check_projection,
    check_schema_structure,
    index_shape,
    key_schema_of,
    on_demand_shape,
    stream_specification_shape,
    throughput_meta,
    throughput_shape,
)
from dynamo.shapes import Boolean, List, Member, Request, String, Struct
from dynamo.tables import control_table, describe, is_active
from storage.catalog import IndexDef, TableDef
from storage.store import WriteView

MAX_GSIS = 20


def _gsi_update() -> Struct:
    return Struct(
        "GlobalSecondaryIndexUpdate",
        {
            "Update": Member(
                Struct(
                    "UpdateGlobalSecondaryIndexAction",
                    {
                        "IndexName": Member(
                            String(min_len=3, max_len=255, pattern="[a-zA-Z0-9_.-]+"), not_null=True
                        ),
                        "ProvisionedThroughput": Member(throughput_shape()),
                        "OnDemandThroughput": Member(on_demand_shape()),
                    },
                )
            ),
            "Create": Member(index_shape("CreateGlobalSecondaryIndexAction", global_=True)),
            "Delete": Member(
                Struct(
                    "DeleteGlobalSecondaryIndexAction",
                    {
                        "IndexName": Member(
                            String(min_len=3, max_len=255, pattern="[a-zA-Z0-9_.-]+"), not_null=True
                        )
                    },
                )
            ),
        },
        value_struct=True,
    )


REQUEST = Request(
    "UpdateTableInput",
    {
        "AttributeDefinitions": Member(
            List(
                Struct(
                    "AttributeDefinition",
                    {
                        "AttributeName": Member(String(min_len=1, max_len=255), not_null=True),
                        "AttributeType": Member(String(enum=["B", "N", "S"]), not_null=True),
                    },
                    value_struct=True,
                )
            )
        ),
        "TableName": control_table_name(),
        "BillingMode": Member(String(enum=["PROVISIONED", "PAY_PER_REQUEST"])),
        "ProvisionedThroughput": Member(throughput_shape()),
        "GlobalSecondaryIndexUpdates": Member(List(_gsi_update())),
        "StreamSpecification": Member(stream_specification_shape()),
        "SSESpecification": Member(
            Struct(
                "SSESpecification",
                {
                    "Enabled": Member(Boolean()),
                    "SSEType": Member(String()),
                    "KMSMasterKeyId": Member(String()),
                },
            )
        ),
        "TableClass": Member(String()),
        "DeletionProtectionEnabled": Member(Boolean()),
        "OnDemandThroughput": Member(on_demand_shape()),
    },
)

# DynamoDB's 2026 wording (older: "... GlobalSecondaryIndexUpdates or SSESpecification or
# ReplicaUpdates is required").
NOTHING_TO_DO = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
    "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
    "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
)


def _same_throughput(current: dict[str, Any], requested: dict[str, int]) -> DynamoError:
    return validation(
        "The provisioned throughput for the table will not change. The requested value equals the current value. "
        f"Current ReadCapacityUnits provisioned for the table: {current['read']}. "
        f"Requested ReadCapacityUnits: {requested['ReadCapacityUnits']}. "
        f"Current WriteCapacityUnits provisioned for the table: {current['write']}. "
        f"Requested WriteCapacityUnits: {requested['WriteCapacityUnits']}. "
        "Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
    )


def _check_updates(updates: list[dict[str, Any]]) -> None:
    """Request-level rules of GlobalSecondaryIndexUpdates (no table needed)."""
    seen: set[str] = set()
    online = 0
    for update in updates:
        actions = [a for a in ("Update", "Create", "Delete") if a in update]
        if not actions:
            raise invalid_parameters(
                "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(actions) > 1:
            raise invalid_parameters(
                "Only one of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                "GlobalSecondaryIndexUpdate.Delete can be specified"
            )
        name = update[actions[0]]["IndexName"]
        if name in seen:
            raise invalid_parameters(
                f"Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )
        seen.add(name)
        online += actions[0] in ("Create", "Delete")
    if online > 1:
        raise limit_exceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        )


def _check_combination(req: dict[str, Any], updates: list[dict[str, Any]]) -> None:
    """Changes DynamoDB makes only one at a time (a rejected call applies nothing)."""
    present = {m for m in _CHANGES if m in req} | ({"GlobalSecondaryIndexUpdates"} if updates else set())
    for member, rule in _ALONE:
        if member in present and len(present) > 1:
            raise invalid_parameters(rule)
    if "OnDemandThroughput" in present and present - {"OnDemandThroughput", "BillingMode"}:
        raise invalid_parameters(
            "OnDemandThroughput can only be combined with BillingMode in an UpdateTable request"
        )
    if "StreamSpecification" in present:
        if "ProvisionedThroughput" in present or req.get("BillingMode") == "PROVISIONED":
            raise invalid_parameters("You cannot modify stream status while updating table IOPS")
        if any("Create" in u or "Delete" in u for u in updates):
            raise invalid_parameters("You cannot create or delete index while changing stream status")


def _check_stream_change(spec: dict[str, Any]) -> None:
    """Request-level rules of a StreamSpecification change."""
    if spec["StreamEnabled"] and "StreamViewType" not in spec:
        raise invalid_parameters("If stream is being enabled then UpdateViewType is required")
    if not spec["StreamEnabled"] and "StreamViewType" in spec:
        raise invalid_parameters("If stream is being disabled, then UpdateViewType must not be specified")


def _change_stream(
    ctx: Context, view: WriteView, table: TableDef, spec: dict[str, Any], now: float
) -> TableDef:
    if spec["StreamEnabled"]:
        if table_streams.enabled(table):
            raise validation(f"Table already has an enabled stream: TableName: {table.name}")
        return table_streams.enable(ctx, view, table, spec["StreamViewType"], now)
    if not table_streams.enabled(table):
        raise validation(f"Table has no stream to disable: TableName: {table.name}")
    return table_streams.disable(view, table, now)


_CHANGES = (
    "ProvisionedThroughput",
    "BillingMode",
    "TableClass",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "StreamSpecification",
    "SSESpecification",
)
# Members that must be a request's only change, in the order DynamoDB checks them.
_ALONE = (
    ("SSESpecification", "Server-Side Encryption modification must be the only operation in the request"),
    ("TableClass", "TableClass modification must be the only operation in the request"),
    (
        "DeletionProtectionEnabled",
        "DeletionProtection modification must be the only operation in the request",
    ),
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    updates = req.get("GlobalSecondaryIndexUpdates") or []
    if not updates and not any(m in req for m in _CHANGES):
        raise validation(NOTHING_TO_DO)
    _check_updates(updates)
    _check_combination(req, updates)
    refuse_unsupported(req, "SSESpecification")
    stream_change = req.get("StreamSpecification")
    if stream_change is not None:
        _check_stream_change(stream_change)
    if "TableClass" in req and req["TableClass"] not in ("STANDARD", "STANDARD_INFREQUENT_ACCESS"):
        raise validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: "
            "[STANDARD, STANDARD_INFREQUENT_ACCESS]."
        )

    def update_table(view: WriteView) -> dict[str, Any]:
        table = control_table(ctx, view, req["TableName"])
        if not is_active(ctx, table):
            raise resource_in_use(
                f"Attempt to change a resource which is still in use: Table is being created: {table.name}"
            )
        meta = dict(table.meta)
        index_settings = {name: dict(s) for name, s in meta["indexes"].items()}
        now = ctx.clock()
        _apply_billing(req, meta, index_settings, table, now)
        if "DeletionProtectionEnabled" in req:
            meta["protected"] = req["DeletionProtectionEnabled"]
        if "TableClass" in req:
            meta["table_class"] = req["TableClass"]
        if "OnDemandThroughput" in req:
            meta["on_demand"] = req["OnDemandThroughput"] or None
        meta["indexes"] = index_settings
        table = table.with_meta(**meta)
        if stream_change is not None:
            table = _change_stream(ctx, view, table, stream_change, now)
        deleting: IndexDef | None = None
        for update in updates:
            if "Create" in update:
                table = _create_index(ctx, view, table, req, update["Create"], now)
            elif "Delete" in update:
                deleting, table = _delete_index(view, table, update["Delete"]["IndexName"])
            else:
                _update_index(table, update["Update"])
        view.save_table(table)
        description = describe(ctx, view, table, "update")
        if deleting is not None:
            description.setdefault("GlobalSecondaryIndexes", []).append(
                {
                    "IndexName": deleting.name,
                    "IndexStatus": "DELETING",
                    "IndexArn": f"{description['TableArn']}/index/{deleting.name}",
                }
            )
        return {"TableDescription": description}

    return ctx.store.write(update_table)


def _apply_billing(
    req: dict[str, Any], meta: dict[str, Any], index_settings: dict[str, Any], table: TableDef, now: float
) -> None:
    billing = req.get("BillingMode", meta["billing"])
    throughput = req.get("ProvisionedThroughput")
    gsis = [ix.name for ix in table.indexes if ix.kind == "GSI"]
    if billing == "PAY_PER_REQUEST":
        if throughput is not None:
            raise invalid_parameters(
                "ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST"
            )
        if meta["billing"] != "PAY_PER_REQUEST":
            meta["billing_updated"] = round(now, 3)
            meta["throughput"] = throughput_meta(None)
            for name in gsis:
                index_settings.setdefault(name, {})["throughput"] = throughput_meta(None)
        meta["billing"] = billing
        return
    switching = meta["billing"] != "PROVISIONED"
    if switching:
        if throughput is None:
            raise invalid_parameters(
                "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
            )
        missing = [
            name
            for name in gsis
            if not any(
                u.get("Update", {}).get("IndexName") == name
                for u in req.get("GlobalSecondaryIndexUpdates") or []
            )
        ]
        if missing:
            raise invalid_parameters(
                f"ProvisionedThroughput must be specified for index: {','.join(missing)}"
            )
    if throughput is not None:
        check_capacity_bounds(throughput)
        current = meta["throughput"]
        if (
            not switching
            and current["read"] == throughput["ReadCapacityUnits"]
            and current["write"] == throughput["WriteCapacityUnits"]
        ):
            raise _same_throughput(current, throughput)
        updated: dict[str, Any] = dict(throughput_meta(throughput))
        updated["decreases"] = current.get("decreases", 0)
        if not switching:
            if updated["read"] < current["read"] or updated["write"] < current["write"]:
                updated["decreases"] += 1
                updated["last_decrease"] = round(now, 3)
            if updated["read"] > current["read"] or updated["write"] > current["write"]:
                updated["last_increase"] = round(now, 3)
        meta["throughput"] = updated
    meta["billing"] = billing


def _create_index(
    ctx: Context, view: WriteView, table: TableDef, req: dict[str, Any], create: dict[str, Any], now: float
) -> TableDef:
    name = create["IndexName"]
    if any(ix.name == name for ix in table.indexes):
        raise invalid_parameters(f"Index with name: {name} already exists")
    if sum(ix.kind == "GSI" for ix in table.indexes) >= MAX_GSIS:
        raise invalid_parameters(f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}")
    if any(not index_settled(ctx, table, ix.name) for ix in table.indexes if ix.kind == "GSI"):
        raise limit_exceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        )
    definitions = {d["AttributeName"]: d["AttributeType"] for d in req.get("AttributeDefinitions") or []}
    existing = dict(table.meta["attributes"])
    keys = attribute_names(create["KeySchema"])
    if any(k not in definitions for k in keys):
        raise invalid_parameters(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(definitions)}]"
        )
    for key in keys:
        if key in existing and existing[key] != definitions[key]:
            raise invalid_parameters(
                "Attributes cannot be redefined. Please check that your attribute has the same type as previously "
                f"defined. Existing schema: Schema:[SchemaElement: key{{{key}:{existing[key]}}}] New schema: "
                f"Schema:[SchemaElement: key{{{key}:{definitions[key]}}}]"
            )
    check_schema_structure(create["KeySchema"])
    kind, include = check_projection(create["Projection"])
    throughput = create.get("ProvisionedThroughput")
    if table.meta["billing"] == "PAY_PER_REQUEST" and throughput is not None:
        raise invalid_parameters(
            f"ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
        )
    if table.meta["billing"] == "PROVISIONED" and throughput is None:
        raise invalid_parameters(f"ProvisionedThroughput must be specified for index: {name}")
    index = IndexDef(name, "GSI", key_schema_of(create["KeySchema"], definitions), kind, include)
    attributes = [list(pair) for pair in table.meta["attributes"]]
    attributes += [[k, definitions[k]] for k in keys if k not in existing]
    settings = {"throughput": throughput_meta(throughput), "active_at": now + ctx.settings.index_create_delay}
    if create.get("OnDemandThroughput"):
        settings["on_demand"] = create["OnDemandThroughput"]
    table = table.with_meta(attributes=attributes, indexes={**table.meta["indexes"], name: settings})
    return view.add_index(table, index, lambda item: index_keys_acceptable(table, index, item))


def index_settled(ctx: Context, table: TableDef, name: str) -> bool:
    return bool(ctx.clock() >= table.meta["indexes"].get(name, {}).get("active_at", 0))


def _delete_index(view: WriteView, table: TableDef, name: str) -> tuple[IndexDef, TableDef]:
    index = next((ix for ix in table.indexes if ix.name == name and ix.kind == "GSI"), None)
    if index is None:
        if any(ix.name == name for ix in table.indexes):
            raise invalid_parameters(f"Cannot delete a local secondary index: {name}")
        raise resource_not_found(f"Requested resource not found: Index {name} for table {table.name}")
    settings = {k: v for k, v in table.meta["indexes"].items() if k != name}
    used = set(table.key_schema.names) | {
        a.name for ix in table.indexes if ix.name != name for a in ix.key_schema.attributes
    }
    attributes = [pair for pair in table.meta["attributes"] if pair[0] in used]
    table = view.drop_index(table, index).with_meta(indexes=settings, attributes=attributes)
    return index, table


def _update_index(table: TableDef, update: dict[str, Any]) -> None:
    name = update["IndexName"]
    if not any(ix.name == name and ix.kind == "GSI" for ix in table.indexes):
        raise resource_not_found(f"Requested resource not found: Index {name} for table {table.name}")
    settings = table.meta["indexes"].setdefault(name, {})
    if "ProvisionedThroughput" in update:
        if table.meta["billing"] == "PAY_PER_REQUEST":
            raise invalid_parameters(
                f"ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
            )
        check_capacity_bounds(update["ProvisionedThroughput"])
        settings["throughput"] = throughput_meta(update["ProvisionedThroughput"])
    if "OnDemandThroughput" in update:
        settings["on_demand"] = update["OnDemandThroughput"]


OPERATION = Operation("UpdateTable", REQUEST, run, writes=True)
