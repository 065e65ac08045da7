"""UpdateItem: apply an UpdateExpression to one item (creating it unless it only removes)."""

from __future__ import annotations

from typing import Any

from dynamo import rmw
from dynamo.attributes import AttributeMapShape
from dynamo.engine import Context
from dynamo.errors import invalid_parameters, validation
from dynamo.expression_params import Expressions, prepare
from dynamo.keys import check_index_keys, check_key
from dynamo.operations import Operation
from dynamo.params import attribute_updates, data_table_name, refuse_unsupported, single_write_members
from dynamo.shapes import Member, Request, String
from dynamo.tables import data_table
from dynamo.writes import condition_guard, response
from expressions import CONDITION, UPDATE, apply_update
from expressions.ast import Update
from storage.catalog import TableDef
from storage.store import StoredItem, WriteView
from storage.values import MAX_ITEM_SIZE, Item, item_size

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
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


def check_key_paths(update: Update, table: TableDef) -> None:
    """Table key attributes cannot be updated; no key attribute can be reached into."""
    keys = table.key_schema.names
    index_keys = {a.name for ix in table.indexes for a in ix.key_schema.attributes}
    for action in update.actions:
        first = action.path.elements[0]
        nested = len(action.path.elements) > 1
        if first in keys:
            if not nested:
                raise invalid_parameters(
                    f"Cannot update attribute {first}. This attribute is part of the key"
                )
            raise validation(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
                f"Key: {first}"
            )
        if first in index_keys and nested:
            raise validation(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
                f"IndexKey: {first}"
            )


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    expressions = prepare(req, EXPRESSIONS)
    refuse_unsupported(req, "AttributeUpdates", "Expected", "ConditionalOperator")
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
            if update is None:  # no update at all: the item is (created as) just its key
                new: Item | None = dict(old) if old is not None else dict(key)
            else:
                new = apply_update(update, old, key)
            if new is None:
                return None
            size = item_size(new)
            if size > MAX_ITEM_SIZE:
                raise validation(UPDATE_TOO_LARGE)
            check_index_keys(table, new, by_update=True)
            return new, size

        return rmw.apply(view, table, key, mutate)

    return response(ctx.store.write(write), req, update=update)


OPERATION = Operation("UpdateItem", REQUEST, run, writes=True, envelope=True)
