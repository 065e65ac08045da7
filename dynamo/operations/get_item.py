"""GetItem, with an optional ProjectionExpression."""

from __future__ import annotations

from typing import Any

from dynamo.attributes import AttributeMapShape
from dynamo.capacity import consumed, read_units
from dynamo.engine import Context
from dynamo.expression_params import Expressions, prepare
from dynamo.keys import check_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, expression_names, return_consumed_capacity
from dynamo.shapes import Boolean, List, Member, Request, String
from dynamo.tables import data_table
from expressions import PROJECTION, projector

REQUEST = Request(
    "GetItemInput",
    {
        "TableName": data_table_name(),
        "Key": Member(AttributeMapShape(), required=True),
        "AttributesToGet": Member(List(String(), min_len=1, max_len=255)),
        "ConsistentRead": Member(Boolean()),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ProjectionExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
    },
)
EXPRESSIONS = Expressions({"ProjectionExpression": PROJECTION}, legacy=("AttributesToGet",))


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    projection = prepare(req, EXPRESSIONS).projection()
    with ctx.store.read() as view:
        table = data_table(ctx, view, req["TableName"])
        stored = view.get_item(table, check_key(table.key_schema, req["Key"]))
    response: dict[str, Any] = {}
    if stored is not None:
        response["Item"] = stored[0] if projection is None else projector(projection.paths)(stored[0])
    mode = req.get("ReturnConsumedCapacity")
    if mode is not None and mode != "NONE":
        # The whole item is read (and charged) whatever the projection.
        units = read_units(0 if stored is None else stored[1], bool(req.get("ConsistentRead")))
        response["ConsumedCapacity"] = consumed(mode, table.name, units)
    return response


OPERATION = Operation("GetItem", REQUEST, run)
