"""BatchGetItem: up to 100 items across tables, read from one snapshot.

Validation follows reference 9.2: the map's constraints, each table's expressions, every
key's attribute values, duplicate keys, the total key count, then tables and key schemas.
Items are read in request order until 16 MB of item data has been gathered; the keys left
go back in ``UnprocessedKeys`` with their table's read parameters, for the client to
retry. Every requested table appears in ``Responses``, with ``[]`` if nothing was found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from dynamo import wire
from dynamo.attributes import AttributeMapShape
from dynamo.batches import DUPLICATE_KEYS, RequestItems, check_total
from dynamo.capacity import Capacities, read_units
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.fingerprint import fingerprint
from dynamo.keys import check_key
from dynamo.operations import Operation
from dynamo.params import expression_names, return_consumed_capacity
from dynamo.shapes import Boolean, Errors, List, Member, Request, String, Struct
from dynamo.tables import data_table
from expressions import PROJECTION, projector
from storage.values import Item

MAX_KEYS: Final = 100
RESPONSE_BYTES: Final = 16 * 1024 * 1024

_TABLE_REQUEST = Struct(
    "KeysAndAttributes",
    {
        "Keys": Member(List(AttributeMapShape()), not_null=True),
        "AttributesToGet": Member(List(String(), min_len=1, max_len=255)),
        "ConsistentRead": Member(Boolean()),
        "ProjectionExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
    },
    value_struct=True,
)
EXPRESSIONS = Expressions({"ProjectionExpression": PROJECTION}, legacy=("AttributesToGet",))


def _check_keys_length(name: str, value: dict[str, Any], errors: Errors) -> None:
    # The 2026 wording: no echoed value, and the path in the model's own capitals.
    keys = value.get("Keys")
    if keys is None:
        return
    path = f"RequestItems.{name}.member.Keys"
    if not keys:
        errors.add_unvalued(path, "Member must have length greater than or equal to 1")
    elif len(keys) > MAX_KEYS:
        errors.add_unvalued(path, f"Member must have length less than or equal to {MAX_KEYS}")


REQUEST = Request(
    "BatchGetItemInput",
    {
        "RequestItems": Member(
            RequestItems(
                _TABLE_REQUEST,
                value_java="com.amazonaws.dynamodb.v20120810.KeysAndAttributes",
                echo=lambda value: wire.dumps(value).decode(),
                check_value=_check_keys_length,
                empty_rule="Member must have length greater than or equal to 1",
            ),
            not_null=True,
        ),
        "ReturnConsumedCapacity": return_consumed_capacity(),
    },
)


Project = Callable[[Item], Item]


def check(req: dict[str, Any]) -> dict[str, Project | None]:
    """The checks that need no table (expressions, duplicate keys, the key count), in
    DynamoDB's order; returns each table's projection (None: whole items)."""
    request_items: dict[str, dict[str, Any]] = req["RequestItems"]
    projections: dict[str, Project | None] = {}
    for name, block in request_items.items():
        projection = prepare(block, EXPRESSIONS).projection()
        projections[name] = None if projection is None else projector(projection.paths)
    for block in request_items.values():
        fingerprints = {fingerprint(key) for key in block["Keys"]}
        if len(fingerprints) != len(block["Keys"]):
            raise validation(DUPLICATE_KEYS)
    check_total(sum(len(block["Keys"]) for block in request_items.values()), MAX_KEYS, "BatchGetItem")
    return projections


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    request_items: dict[str, dict[str, Any]] = req["RequestItems"]
    projections = check(req)
    responses: dict[str, list[Item]] = {name: [] for name in request_items}
    unprocessed: dict[str, dict[str, Any]] = {}
    capacities = Capacities()
    gathered = 0
    with ctx.store.read() as view:
        tables = {name: data_table(ctx, view, name) for name in request_items}
        for name, block in request_items.items():
            for key in block["Keys"]:
                check_key(tables[name].key_schema, key)
        full = False
        for name, block in request_items.items():
            table = tables[name]
            consistent = bool(block.get("ConsistentRead"))
            project = projections[name]
            for i, key in enumerate(block["Keys"]):
                stored = None if full else view.get_item(table, key)
                size = 0 if stored is None else stored[1]
                if full or gathered + size > RESPONSE_BYTES:
                    full = True  # this key and every one after it are left for a retry
                    unprocessed[name] = {**block, "Keys": block["Keys"][i:]}
                    break
                gathered += size
                capacities.of(table).units += read_units(size, consistent)
                if stored is not None:
                    responses[name].append(stored[0] if project is None else project(stored[0]))
    out: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    report = capacities.render(req.get("ReturnConsumedCapacity"))
    if report is not None:
        out["ConsumedCapacity"] = report
    return out


OPERATION = Operation("BatchGetItem", REQUEST, run)
