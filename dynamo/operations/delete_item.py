"""DeleteItem: remove an item by key (a missing item is not an error)."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.capacity import consumed, write_units
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.keys import check_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, refuse_unsupported, single_write_members
from dynamo.shapes import Member, Request
from dynamo.tables import data_table
from storage.store import WriteView

REQUEST = Request(
    "DeleteItemInput",
    {
        "TableName": data_table_name(),
        "Key": Member(AttributeMapShape(), required=True),
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

    def delete(view: WriteView) -> rmw.Change:
        table = data_table(ctx, view, req["TableName"])
        # DynamoDB checks DeleteItem's ReturnValues after finding the table.
        if return_values not in ("NONE", "ALL_OLD"):
            raise validation(
                f"1 validation error detected: Value '{return_values}' at 'returnValues' failed to satisfy "
                "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"
            )
        key = check_key(table.key_schema, req["Key"])
        return rmw.apply(view, table, key, lambda old: None)

    change = ctx.store.write(delete)
    response: dict[str, Any] = {}
    if return_values == "ALL_OLD" and change.old is not None:
        response["Attributes"] = change.old[0]
    report = consumed(req.get("ReturnConsumedCapacity"), change.table.name, write_units(change.old_size, 0))
    if report is not None:
        response["ConsumedCapacity"] = report
    return response


OPERATION = Operation("DeleteItem", REQUEST, run, writes=True, envelope=True)
