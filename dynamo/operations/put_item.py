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
from dynamo.params import (
    RETURN_ITEM_COLLECTION_METRICS,
    RETURN_VALUES,
    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
    data_table_name,
    enum,
    return_consumed_capacity,
)
from dynamo.shapes import Map, Member, Request, String
from dynamo.tables import data_table
from storage.store import WriteView

REQUEST = Request(
    "PutItemInput",
    {
        "TableName": data_table_name(),
        "Item": Member(AttributeMapShape(), required=True),
        "Expected": Member(
            Map(String(), value_java="com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue")
        ),
        "ReturnValues": enum(RETURN_VALUES),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ReturnItemCollectionMetrics": enum(RETURN_ITEM_COLLECTION_METRICS),
        "ConditionalOperator": enum(["OR", "AND"]),
        "ConditionExpression": Member(String()),
        "ExpressionAttributeNames": Member(Map(String(), value_java="java.lang.String")),
        "ExpressionAttributeValues": Member(AttributeMapShape()),
        "ReturnValuesOnConditionCheckFailure": enum(RETURN_VALUES_ON_CONDITION_CHECK_FAILURE),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    for member in (
        "ConditionExpression",
        "Expected",
        "ConditionalOperator",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
    ):
        if member in req:
            raise validation(f"{member} is not supported by this version of the engine")
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
