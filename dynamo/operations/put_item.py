"""PutItem: replace a whole item."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.capacity import consumed, write_units
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.items import check_item_size, check_names
from dynamo.keys import check_item_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, refuse_unsupported, single_write_members
from dynamo.shapes import Member, Request
from dynamo.tables import data_table
from storage.store import WriteView

REQUEST = Request(
    "PutItemInput",
    {
        "TableName": data_table_name(),
        "Item": Member(AttributeMapShape(), required=True),
        **single_write_members(),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    refuse_unsupported(
        req,
        "ConditionExpression",
        "Expected",
        "ConditionalOperator",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
    )
    return_values = req.get("ReturnValues", "NONE")
    if return_values not in ("NONE", "ALL_OLD"):
        raise validation("ReturnValues can only be ALL_OLD or NONE", envelope=True)
    item = req["Item"]
    check_names(item)
    size = check_item_size(item)

    def put(view: WriteView) -> rmw.Change:
        table = data_table(ctx, view, req["TableName"])
        check_item_key(table.key_schema, item)
        return rmw.apply(view, table, item, lambda old: (item, size))

    change = ctx.store.write(put)
    response: dict[str, Any] = {}
    if return_values == "ALL_OLD" and change.old is not None:
        response["Attributes"] = change.old[0]
    report = consumed(
        req.get("ReturnConsumedCapacity"), change.table.name, write_units(change.old_size, size)
    )
    if report is not None:
        response["ConsumedCapacity"] = report
    return response


OPERATION = Operation("PutItem", REQUEST, run, writes=True, envelope=True)
