"""Table and index definitions shared by CreateTable and UpdateTable: their request shapes
and the checks DynamoDB applies to key schemas, projections and throughput."""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import invalid_parameters, validation
from dynamo.shapes import Boolean, Integer, List, Member, String, Struct
from storage.catalog import KeyAttribute, KeySchema

MAX_CAPACITY: Final = 1_000_000_000_000
INDEX_NAME: Final = "[a-zA-Z0-9_.-]+"


# The order DynamoDB lists them in its enum message (a Java hash order, not the model's).
STREAM_VIEW_TYPES = ["OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE"]


def stream_specification_shape() -> Struct:
    return Struct(
        "StreamSpecification",
        {
            "StreamEnabled": Member(Boolean(), not_null=True),
            "StreamViewType": Member(String(enum=STREAM_VIEW_TYPES)),
        },
    )


def throughput_shape() -> Struct:
    return Struct(
        "ProvisionedThroughput",
        {
            "WriteCapacityUnits": Member(Integer("Long", min=1), not_null=True),
            "ReadCapacityUnits": Member(Integer("Long", min=1), not_null=True),
        },
    )


def on_demand_shape() -> Struct:
    return Struct(
        "OnDemandThroughput",
        {"MaxReadRequestUnits": Member(Integer("Long")), "MaxWriteRequestUnits": Member(Integer("Long"))},
    )


def key_schema_shape(*, enum_key_type: bool) -> List:
    element = Struct(
        "KeySchemaElement",
        {
            "AttributeName": Member(String(min_len=1, max_len=255), not_null=True),
            "KeyType": Member(String(enum=["HASH", "RANGE"] if enum_key_type else None), not_null=True),
        },
        value_struct=True,
    )
    return List(element, min_len=1, max_len=2)


def projection_shape() -> Struct:
    return Struct(
        "Projection",
        {
            "ProjectionType": Member(String(enum=["ALL", "INCLUDE", "KEYS_ONLY"])),
            "NonKeyAttributes": Member(List(String(min_len=1, max_len=255), min_len=1, max_len=20)),
        },
    )


def index_shape(name: str, *, global_: bool) -> Struct:
    members = {
        "IndexName": Member(String(min_len=3, max_len=255, pattern="[a-zA-Z0-9_.-]+"), not_null=True),
        "KeySchema": Member(key_schema_shape(enum_key_type=False), not_null=True),
        "Projection": Member(projection_shape(), not_null=True),
    }
    if global_:
        members["ProvisionedThroughput"] = Member(throughput_shape())
        members["OnDemandThroughput"] = Member(on_demand_shape())
        members["WarmThroughput"] = Member(
            Struct(
                "WarmThroughput",
                {
                    "ReadUnitsPerSecond": Member(Integer("Long")),
                    "WriteUnitsPerSecond": Member(Integer("Long")),
                },
            )
        )
    return Struct(name, members, value_struct=True)


def attribute_names(elements: list[dict[str, Any]]) -> list[str]:
    return [e["AttributeName"] for e in elements]


def check_capacity_bounds(throughput: dict[str, int]) -> None:
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if throughput[member] > MAX_CAPACITY:
            raise validation(f"Given value {throughput[member]} for {member} is out of bounds")


def check_schema_structure(schema: list[dict[str, Any]]) -> None:
    if len(schema) == 2 and schema[0]["AttributeName"] == schema[1]["AttributeName"]:
        raise validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
    if schema[0]["KeyType"] != "HASH":
        raise validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(schema) == 2 and schema[1]["KeyType"] != "RANGE":
        raise validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def key_schema_of(schema: list[dict[str, Any]], types: dict[str, str]) -> KeySchema:
    attrs = [KeyAttribute(e["AttributeName"], types[e["AttributeName"]]) for e in schema]
    return KeySchema(attrs[0], attrs[1] if len(attrs) == 2 else None)


def check_projection(projection: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    kind = projection.get("ProjectionType")
    include = projection.get("NonKeyAttributes")
    if kind is None:
        raise invalid_parameters("Unknown ProjectionType: null")
    if include is not None and kind != "INCLUDE":
        raise invalid_parameters(f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE" and include is None:
        raise invalid_parameters("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    seen: set[str] = set()
    for name in include or ():
        if name in seen:
            raise invalid_parameters(f"Duplicate element in NonKeyAttributes: {name}")
        seen.add(name)
    return kind, tuple(include or ())


def throughput_meta(throughput: dict[str, int] | None) -> dict[str, int]:
    if throughput is None:
        return {"read": 0, "write": 0, "decreases": 0}
    return {
        "read": throughput["ReadCapacityUnits"],
        "write": throughput["WriteCapacityUnits"],
        "decreases": 0,
    }


def check_sse(ctx: Context, spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """SSESpecification (CreateTable, restores): the table's ``sse`` metadata, or None."""
    if spec is None:
        return None
    enabled = spec.get("Enabled")
    sse_type = spec.get("SSEType")
    key = spec.get("KMSMasterKeyId")
    if enabled is False:
        if sse_type is not None:
            raise invalid_parameters("SSEType can not be specified if Enabled is false")
        if key is not None:
            raise invalid_parameters("KMSMasterKeyId can not be specified if Enabled is false")
        return None
    if sse_type == "AES256":
        raise invalid_parameters("SSEType AES256 is not supported")
    if key is not None and sse_type is None:
        raise invalid_parameters("SSEType KMS is required if KMSMasterKeyId is specified")
    if not enabled and sse_type is None:
        return None
    if key is None:
        key_arn = f"arn:aws:kms:{ctx.region}:{ctx.account}:key/aws-managed-dynamodb"
    elif key.startswith("arn:"):
        key_arn = key
    else:
        key_arn = f"arn:aws:kms:{ctx.region}:{ctx.account}:key/{key}"
    return {"key_arn": key_arn}
