"""CreateTable: validation in DynamoDB's order, then one catalog write.

Order of checks (reference 10.1-10.2 and the 2026 observations): request shape; billing
and throughput; attribute definitions against the key schemas; local then global
secondary indexes; streams; encryption; tags; table class; finally whether the name is
taken. Each semantic check reports only the first failure, bare.
"""

from __future__ import annotations

import uuid
from typing import Any

from dynamo import table_streams
from dynamo.engine import Context
from dynamo.errors import invalid_parameters, resource_in_use, validation
from dynamo.operations import Operation
from dynamo.params import TableName
from dynamo.restore_requests import restoring
from dynamo.schemas import (
    attribute_names,
    check_capacity_bounds,
    check_projection,
    check_schema_structure,
    check_sse,
    index_shape,
    key_schema_of,
    key_schema_shape,
    on_demand_shape,
    stream_specification_shape,
    throughput_meta,
    throughput_shape,
)
from dynamo.shapes import Boolean, Integer, List, Member, Request, String, Struct
from dynamo.tables import describe, is_active
from dynamo.tags import TAG_LIST, check_tags, merge
from storage.catalog import IndexDef, KeySchema, TableDef
from storage.store import WriteView

MAX_LSIS = 5
MAX_GSIS = 20
MAX_PROJECTED = 100
TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")


REQUEST = Request(
    "CreateTableInput",
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
            ),
            not_null=True,
        ),
        "TableName": Member(TableName(min_len=3, arn_ok=False), required=True),
        "BillingMode": Member(String(enum=["PROVISIONED", "PAY_PER_REQUEST"])),
        "ProvisionedThroughput": Member(throughput_shape()),
        "KeySchema": Member(key_schema_shape(enum_key_type=True), not_null=True),
        "LocalSecondaryIndexes": Member(List(index_shape("LocalSecondaryIndex", global_=False))),
        "GlobalSecondaryIndexes": Member(List(index_shape("GlobalSecondaryIndex", global_=True))),
        "StreamSpecification": Member(stream_specification_shape()),
        "SSESpecification": Member(
            Struct(
                "SSESpecification",
                {
                    "Enabled": Member(Boolean()),
                    "SSEType": Member(String(enum=["AES256", "KMS"])),
                    "KMSMasterKeyId": Member(String(min_len=1, max_len=2048)),
                },
            )
        ),
        "Tags": Member(TAG_LIST),
        "TableClass": Member(String()),
        "DeletionProtectionEnabled": Member(Boolean()),
        "OnDemandThroughput": Member(on_demand_shape()),
        "WarmThroughput": Member(
            Struct(
                "WarmThroughput",
                {
                    "ReadUnitsPerSecond": Member(Integer("Long")),
                    "WriteUnitsPerSecond": Member(Integer("Long")),
                },
            )
        ),
        "ResourcePolicy": Member(String()),
    },
)


def _check_billing(req: dict[str, Any]) -> str:
    billing = req.get("BillingMode", "PROVISIONED")
    throughput = req.get("ProvisionedThroughput")
    if billing == "PAY_PER_REQUEST":
        if throughput is not None:
            raise invalid_parameters(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
    else:
        if throughput is None:
            raise invalid_parameters(
                "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
            )
        check_capacity_bounds(throughput)
        on_demand = req.get("OnDemandThroughput") or {}
        for member in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
            if member in on_demand:
                raise invalid_parameters(
                    f"{member} for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED."
                )
    for member, value in (req.get("OnDemandThroughput") or {}).items():
        if value != -1 and value < 1:
            raise invalid_parameters(
                f"Requested {member} for OnDemandThroughput for table is outside of valid range"
            )
    return str(billing)


def _check_keys(req: dict[str, Any]) -> KeySchema:
    definitions = req["AttributeDefinitions"]
    defined = attribute_names(definitions)
    seen: set[str] = set()
    for name in defined:
        if name in seen:
            raise validation(f"Attribute Name is duplicated: {name}")
        seen.add(name)
    schema = req["KeySchema"]
    keys = attribute_names(schema)
    if len(keys) > len(defined):
        raise validation("Invalid KeySchema: Some index key attribute have no definition")
    if any(k not in seen for k in keys):
        raise invalid_parameters(
            "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
        )
    check_schema_structure(schema)
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    return key_schema_of(schema, types)


def _check_index_definitions(indexes: list[dict[str, Any]], defined: list[str]) -> None:
    for index in indexes:
        keys = attribute_names(index["KeySchema"])
        if any(k not in defined for k in keys):
            raise invalid_parameters(
                "Some index key attributes are not defined in AttributeDefinitions. "
                f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
            )


def _check_lsis(
    lsis: list[dict[str, Any]], table: KeySchema, types: dict[str, str], names: set[str]
) -> list[IndexDef]:
    if not lsis:
        raise invalid_parameters("List of LocalSecondaryIndexes is empty")
    if table.range is None:
        raise invalid_parameters(
            "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
        )
    out = []
    for lsi in lsis:
        name = lsi["IndexName"]
        schema = lsi["KeySchema"]
        check_schema_structure(schema)
        if len(schema) != 2:
            raise invalid_parameters(f"Index KeySchema does not have a range key for index: {name}")
        if schema[0]["AttributeName"] != table.hash.name:
            raise invalid_parameters(
                f"Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. "
                f"index hash key: {schema[0]['AttributeName']}, table hash key: {table.hash.name}"
            )
        kind, include = check_projection(lsi["Projection"])
        if name in names:
            raise invalid_parameters(f"Duplicate index name: {name}")
        names.add(name)
        out.append(IndexDef(name, "LSI", key_schema_of(schema, types), kind, include))
    if len(lsis) > MAX_LSIS:
        raise invalid_parameters(f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSIS}")
    return out


def _check_gsis(
    gsis: list[dict[str, Any]], billing: str, types: dict[str, str], names: set[str]
) -> tuple[list[IndexDef], dict[str, Any]]:
    if not gsis:
        raise invalid_parameters("List of GlobalSecondaryIndexes is empty")
    out = []
    settings: dict[str, Any] = {}
    for gsi in gsis:
        name = gsi["IndexName"]
        schema = gsi["KeySchema"]
        check_schema_structure(schema)
        kind, include = check_projection(gsi["Projection"])
        throughput = gsi.get("ProvisionedThroughput")
        if billing == "PAY_PER_REQUEST" and throughput is not None:
            raise invalid_parameters(
                f"ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
            )
        if billing == "PROVISIONED":
            if throughput is None:
                raise invalid_parameters(f"ProvisionedThroughput is not specified for index: {name}")
            check_capacity_bounds(throughput)
        on_demand = gsi.get("OnDemandThroughput") or {}
        for member, value in on_demand.items():
            if value != -1 and value < 1:
                raise invalid_parameters(
                    f"Requested {member} for OnDemandThroughput for index : {name} is outside of valid range"
                )
        if name in names:
            raise invalid_parameters(f"Duplicate index name: {name}")
        names.add(name)
        out.append(IndexDef(name, "GSI", key_schema_of(schema, types), kind, include))
        index_settings: dict[str, Any] = {"throughput": throughput_meta(throughput)}
        if on_demand:
            index_settings["on_demand"] = on_demand
        settings[name] = index_settings
    if len(gsis) > MAX_GSIS:
        raise invalid_parameters(f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}")
    return out, settings


def _check_unused_definitions(definitions: list[str], used: list[str]) -> None:
    if set(definitions) - set(used):
        raise invalid_parameters(
            f"Some AttributeDefinitions are not used. AttributeDefinitions: [{', '.join(definitions)}], "
            f"keys used: [{', '.join(used)}]"
        )


def _check_stream(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    if spec["StreamEnabled"]:
        if "StreamViewType" not in spec:
            raise invalid_parameters(
                "Table is being created with a stream enabled, UpdateViewType is required"
            )
        return {"enabled": True, "view_type": spec["StreamViewType"]}
    if "StreamViewType" in spec:
        raise invalid_parameters(
            "Table is being created with a stream disabled, UpdateViewType should not be specified"
        )
    return None


def new_table(ctx: Context, req: dict[str, Any]) -> tuple[TableDef, dict[str, Any] | None]:
    """The table a CreateTable request (or ImportTable's TableCreationParameters) defines,
    checked in DynamoDB's order, and its stream specification."""
    billing = _check_billing(req)
    key_schema = _check_keys(req)
    definitions = attribute_names(req["AttributeDefinitions"])
    types = {d["AttributeName"]: d["AttributeType"] for d in req["AttributeDefinitions"]}
    lsis_in = req.get("LocalSecondaryIndexes")
    gsis_in = req.get("GlobalSecondaryIndexes")
    indexes_in = (lsis_in or []) + (gsis_in or [])
    if lsis_in is None and gsis_in is None:
        if len(definitions) != len(key_schema.attributes):
            raise invalid_parameters(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in "
                "AttributeDefinitions"
            )
    else:
        _check_index_definitions(indexes_in, definitions)
        used = list(
            dict.fromkeys(
                attribute_names(req["KeySchema"])
                + [n for ix in indexes_in for n in attribute_names(ix["KeySchema"])]
            )
        )
        _check_unused_definitions(definitions, used)
    index_names: set[str] = set()
    indexes: list[IndexDef] = []
    index_settings: dict[str, Any] = {}
    if lsis_in is not None:
        indexes += _check_lsis(lsis_in, key_schema, types, index_names)
    if gsis_in is not None:
        gsis, index_settings = _check_gsis(gsis_in, billing, types, index_names)
        indexes += gsis
    projected = sum(len(ix.non_key_attributes) for ix in indexes)
    if projected > MAX_PROJECTED:
        raise invalid_parameters(
            f"The sum of NonKeyAttributes across all secondary indexes must not exceed {MAX_PROJECTED}"
        )
    stream = _check_stream(req.get("StreamSpecification"))
    sse = check_sse(ctx, req.get("SSESpecification"))
    tags = merge([], check_tags(req.get("Tags") or []))
    table_class = req.get("TableClass")
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class value: "
            f"[{', '.join(TABLE_CLASSES)}]."
        )
    name = req["TableName"]
    now = ctx.clock()
    meta: dict[str, Any] = {
        "attributes": [[d["AttributeName"], d["AttributeType"]] for d in req["AttributeDefinitions"]],
        "created": round(now, 3),
        "active_at": now + ctx.settings.table_create_delay,
        "billing": billing,
        "billing_updated": round(now, 3),
        "throughput": throughput_meta(req.get("ProvisionedThroughput")),
        "indexes": index_settings,
        "tags": tags,
        "protected": bool(req.get("DeletionProtectionEnabled", False)),
        "table_class": table_class,
        "stream": None,
        "sse": sse,
        "on_demand": req.get("OnDemandThroughput") or None,
    }
    return TableDef(ctx.region, name, str(uuid.uuid4()), key_schema, tuple(indexes), meta), stream


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    defined, stream = new_table(ctx, req)
    name, now = defined.name, defined.meta["created"]

    def create(view: WriteView) -> dict[str, Any]:
        existing = view.table(ctx.region, name)
        if existing is not None:
            if restoring(existing):
                raise resource_in_use(f"Table is being used: {name}")
            if not is_active(ctx, existing):
                raise resource_in_use(
                    f"Attempt to change a resource which is still in use: Table is being created: {name}"
                )
            raise resource_in_use(f"Table already exists: {name}")
        table = defined
        if stream is not None:
            table = table_streams.enable(ctx, view, table, stream["view_type"], now)
        view.create_table(table)
        return {"TableDescription": describe(ctx, view, table, "create")}

    return ctx.store.write(create)


OPERATION = Operation("CreateTable", REQUEST, run, writes=True)
