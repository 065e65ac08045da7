"""PutItem: replace a whole item, optionally under a condition."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.items import check_item_size, check_names
from dynamo.keys import check_index_keys, check_item_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, single_write_members
from dynamo.shapes import Member, Request
from dynamo.tables import data_table
from dynamo.writes import condition_guard, response
from expressions import CONDITION
from storage.store import StoredItem, WriteView
from storage.values import Item

REQUEST = Request(
    "PutItemInput",
    {
        "TableName": data_table_name(),
        "Item": Member(AttributeMapShape(), required=True),
        **single_write_members(),
    },
)
EXPRESSIONS = Expressions({"ConditionExpression": CONDITION}, legacy=("Expected", "ConditionalOperator"))


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    expressions = prepare(req, EXPRESSIONS)
    return_values = req.get("ReturnValues", "NONE")
    if return_values not in ("NONE", "ALL_OLD"):
        raise validation("ReturnValues can only be ALL_OLD or NONE", envelope=True)
    item = req["Item"]
    check_names(item)
    size = check_item_size(item)
    guard = condition_guard(
        expressions.condition("ConditionExpression"), req.get("ReturnValuesOnConditionCheckFailure")
    )

    def mutate(old: Item | None) -> StoredItem:
        guard(old)
        return item, size

    def put(view: WriteView) -> rmw.Change:
        table = data_table(ctx, view, req["TableName"])
        check_item_key(table.key_schema, item)
        check_index_keys(table, item)
        return rmw.apply(ctx, view, table, item, mutate)

    return response(ctx.store.write(put, grouped=True), req)


OPERATION = Operation("PutItem", REQUEST, run, writes=True, envelope=True)
