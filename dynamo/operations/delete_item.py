"""DeleteItem: remove an item by key, optionally under a condition (a missing item is fine)."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.keys import check_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, single_write_members
from dynamo.shapes import Member, Request
from dynamo.tables import data_table
from dynamo.writes import condition_guard, response
from expressions import CONDITION
from storage.store import WriteView
from storage.values import Item

REQUEST = Request(
    "DeleteItemInput",
    {
        "TableName": data_table_name(),
        "Key": Member(AttributeMapShape(), required=True),
        **single_write_members(),
    },
)
EXPRESSIONS = Expressions({"ConditionExpression": CONDITION}, legacy=("Expected", "ConditionalOperator"))


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    expressions = prepare(req, EXPRESSIONS)
    return_values = req.get("ReturnValues", "NONE")
    guard = condition_guard(
        expressions.condition("ConditionExpression"), req.get("ReturnValuesOnConditionCheckFailure")
    )

    def mutate(old: Item | None) -> None:
        guard(old)

    def delete(view: WriteView) -> rmw.Change:
        table = data_table(ctx, view, req["TableName"])
        # DynamoDB checks DeleteItem's ReturnValues after finding the table.
        if return_values not in ("NONE", "ALL_OLD"):
            raise validation(
                f"1 validation error detected: Value '{return_values}' at 'returnValues' failed to satisfy "
                "constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"
            )
        return rmw.apply(ctx, view, table, check_key(table.key_schema, req["Key"]), mutate)

    return response(ctx.store.write(delete, grouped=True), req)


OPERATION = Operation("DeleteItem", REQUEST, run, writes=True, envelope=True)
