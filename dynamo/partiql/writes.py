"""INSERT, UPDATE, DELETE and EXISTS as the single-item write actions they stand for.

Each statement becomes a :class:`Write`: the TransactWriteItems action kind (``Put``,
``Update``, ``Delete``, ``ConditionCheck``) and its parameters. ExecuteStatement runs it
as PutItem/UpdateItem/DeleteItem; ExecuteTransaction hands the actions to
TransactWriteItems; so every write keeps the one read-modify-write path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.operations import delete_item, put_item, update_item
from dynamo.partiql import ast
from dynamo.partiql.bind import AttributeValue, bind
from dynamo.partiql.calls import call
from dynamo.partiql.errors import duplicate_item, malformed
from dynamo.partiql.plan import full_key, target
from dynamo.partiql.render import Renderer
from dynamo.reads import Target

PUT, UPDATE, DELETE, CHECK = "Put", "Update", "Delete", "ConditionCheck"
_SINGLE = {PUT: put_item.OPERATION, UPDATE: update_item.OPERATION, DELETE: delete_item.OPERATION}


@dataclass(frozen=True)
class Write:
    kind: str
    params: dict[str, Any]
    key_names: tuple[str, ...]
    returning: str | None = None

    @property
    def insert(self) -> bool:
        return self.kind == PUT


def plan(ctx: Context, statement: ast.Statement, params: Sequence[AttributeValue]) -> Write:
    if isinstance(statement, ast.Insert):
        return _insert(target(ctx, statement.source, writing=True), statement, params)
    if isinstance(statement, ast.Update):
        return _update(target(ctx, statement.source, writing=True), statement, params)
    if isinstance(statement, ast.Delete):
        return _delete(target(ctx, statement.source, writing=True), statement, params)
    assert isinstance(statement, ast.Exists)
    return _exists(target(ctx, statement.select.source, writing=True), statement.select, params)


def _insert(read: Target, statement: ast.Insert, params: Sequence[AttributeValue]) -> Write:
    value = bind(statement.item, params)
    if "M" not in value:
        raise malformed("Expected a tuple (map) after VALUE")  # unconfirmed
    item = value["M"]
    for attr in read.table.key_schema.attributes:
        if attr.name not in item:
            raise validation(f"Key attribute should be present in the item: Key {attr.name}")
        if attr.type not in item[attr.name]:
            raise validation(
                f"Key attribute's data type should match its data type in table's schema: Key {attr.name}"
            )
    renderer = Renderer(params)
    condition = f"attribute_not_exists({renderer.name(read.table.key_schema.hash.name)})"
    request = {"TableName": read.table.name, "Item": item, "ConditionExpression": condition}
    return Write(PUT, {**request, **renderer.members()}, read.table.key_schema.names)


def _keyed(
    read: Target, where: ast.Expr | None, params: Sequence[AttributeValue]
) -> tuple[dict[str, Any], ast.Expr | None]:
    key, rest = full_key(read.table.key_schema, where, params)
    return {"TableName": read.table.name, "Key": key}, rest


def _update(read: Target, statement: ast.Update, params: Sequence[AttributeValue]) -> Write:
    request, rest = _keyed(read, statement.where, params)
    renderer = Renderer(params)
    request["UpdateExpression"] = renderer.update(statement.sets, statement.removes)
    # Not an upsert: the item must exist, and satisfy whatever else the WHERE clause says.
    condition = f"attribute_exists({renderer.name(read.table.key_schema.hash.name)})"
    if rest is not None:
        condition += f" AND ({renderer.condition(rest)})"
    request["ConditionExpression"] = condition
    return Write(UPDATE, {**request, **renderer.members()}, read.table.key_schema.names, statement.returning)


def _delete(read: Target, statement: ast.Delete, params: Sequence[AttributeValue]) -> Write:
    request, rest = _keyed(read, statement.where, params)
    renderer = Renderer(params)
    if rest is not None:
        request["ConditionExpression"] = renderer.condition(rest)
    return Write(DELETE, {**request, **renderer.members()}, read.table.key_schema.names, statement.returning)


def _exists(read: Target, select: ast.Select, params: Sequence[AttributeValue]) -> Write:
    request, rest = _keyed(read, select.where, params)
    renderer = Renderer(params)
    condition = f"attribute_exists({renderer.name(read.table.key_schema.hash.name)})"
    if rest is not None:
        condition += f" AND ({renderer.condition(rest)})"
    request["ConditionExpression"] = condition
    return Write(CHECK, {**request, **renderer.members()}, read.table.key_schema.names)


def execute(ctx: Context, write: Write, req: dict[str, Any]) -> dict[str, Any]:
    """One write on its own (ExecuteStatement, or a member of BatchExecuteStatement)."""
    request = dict(write.params)
    for member in ("ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"):
        if req.get(member) is not None and not (write.insert and member != "ReturnConsumedCapacity"):
            request[member] = req[member]
    if write.returning is not None:
        request["ReturnValues"] = write.returning
    try:
        response = call(ctx, _SINGLE[write.kind], request)
    except DynamoError as exc:
        if write.insert and exc.code == "ConditionalCheckFailedException":
            raise duplicate_item() from None
        raise
    out: dict[str, Any] = {"Items": [response["Attributes"]] if "Attributes" in response else []}
    if "ConsumedCapacity" in response:
        out["ConsumedCapacity"] = response["ConsumedCapacity"]
    return out
