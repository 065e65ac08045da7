"""UpdateItem: apply an UpdateExpression to one item (creating it unless it only removes)."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.keys import check_key
from dynamo.legacy import TYPE_MISMATCH
from dynamo.operations import Operation
from dynamo.params import attribute_updates, data_table_name, single_write_members
from dynamo.shapes import Member, Request, String
from dynamo.tables import data_table
from dynamo.writes import check_key_paths, condition_guard, response, updated_item
from expressions import CONDITION, UPDATE
from expressions.errors import WRONG_TYPE, UpdateError
from storage.store import StoredItem, WriteView
from storage.values import Item

REQUEST = Request(
    "UpdateItemInput",
    {
        "TableName": data_table_name(),
        "Key": Member(AttributeMapShape(), required=True),
        "AttributeUpdates": attribute_updates(),
        "UpdateExpression": Member(String()),
        **single_write_members(),
    },
)
EXPRESSIONS = Expressions(
    {"UpdateExpression": UPDATE, "ConditionExpression": CONDITION},
    legacy=("AttributeUpdates", "Expected", "ConditionalOperator"),
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    expressions = prepare(req, EXPRESSIONS)
    update = expressions.update()
    guard = condition_guard(
        expressions.condition("ConditionExpression"), req.get("ReturnValuesOnConditionCheckFailure")
    )

    def write(view: WriteView) -> rmw.Change:
        table = data_table(ctx, view, req["TableName"])
        key = check_key(table.key_schema, req["Key"])
        if update is not None:
            check_key_paths(update, table)

        def mutate(old: Item | None) -> StoredItem | None:
            guard(old)
            return updated_item(table, update, old, key)

        return rmw.apply(ctx, view, table, key, mutate)

    try:
        change = ctx.store.write(write, grouped=True)
    except UpdateError as exc:
        if "AttributeUpdates" in req and exc.message == WRONG_TYPE:
            raise validation(TYPE_MISMATCH) from None  # the legacy form's own words
        raise
    return response(change, req, update=update)


OPERATION = Operation("UpdateItem", REQUEST, run, writes=True, envelope=True)
