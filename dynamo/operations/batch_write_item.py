"""BatchWriteItem: up to 25 puts and deletes across tables, written in one transaction.

DynamoDB validates the whole batch before writing anything (reference 9.1): the map's
constraints, every attribute value and item size, the request count, the tables, then
each key against its table's schema, and finally duplicate keys within a table. Each
request then behaves as an unconditional PutItem or DeleteItem. DynamoDB only promises
that each write is atomic; here the whole batch commits in one LMDB transaction, so
``UnprocessedItems`` is always empty and a crash never leaves part of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dynamo import rmw
from dynamo.attributes import MANY_TYPES, AttributeMapShape
from dynamo.batches import DUPLICATE_KEYS, RequestItems, check_total
from dynamo.capacity import Capacities, write_units
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.items import check_item_size, check_names
from dynamo.keys import check_index_keys, check_key, complete_key, item_identity
from dynamo.operations import Operation
from dynamo.params import RETURN_ITEM_COLLECTION_METRICS, enum, return_consumed_capacity
from dynamo.shapes import Errors, List, Member, Request, Struct, render
from dynamo.tables import data_table
from dynamo.writes import collection_metrics_by_table
from storage.catalog import TableDef
from storage.store import StoredItem, WriteView
from storage.values import Item

MAX_REQUESTS: Final = 25


class _WriteRequest(Struct):
    """A WriteRequest holds exactly one of PutRequest and DeleteRequest."""

    def load(self, value: Any, path: str, errors: Errors, mode: str) -> Any:
        loaded = super().load(value, path, errors, mode)
        if len(loaded) != 1:  # DynamoDB reuses the attribute-value wording here
            errors.note(validation(MANY_TYPES))
        return loaded


_REQUESTS = List(
    _WriteRequest(
        "WriteRequest",
        {
            "PutRequest": Member(Struct("PutRequest", {"Item": Member(AttributeMapShape(), not_null=True)})),
            "DeleteRequest": Member(
                Struct("DeleteRequest", {"Key": Member(AttributeMapShape(), not_null=True)})
            ),
        },
        value_struct=True,
    )
)


def _java_map(value: dict[str, Any]) -> str:
    return render({name: _REQUESTS.java_repr(requests) for name, requests in value.items()})


REQUEST = Request(
    "BatchWriteItemInput",
    {
        "RequestItems": Member(
            RequestItems(
                _REQUESTS,
                value_java="java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>",
                echo=_java_map,
                value_rules=(
                    f"Member must have length less than or equal to {MAX_REQUESTS}, "
                    "Member must have length greater than or equal to 1"
                ),
                value_ok=lambda requests: 1 <= len(requests) <= MAX_REQUESTS,
            ),
            not_null=True,
        ),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ReturnItemCollectionMetrics": enum(RETURN_ITEM_COLLECTION_METRICS),
    },
)


@dataclass(slots=True)
class _Write:
    """One request of the batch: a put (``item`` set) or a delete, under its table name."""

    name: str
    key: Item
    item: StoredItem | None


def _requests(request_items: dict[str, list[dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, request) for name, requests in request_items.items() for request in requests]


def _key_of(table: TableDef, request: dict[str, Any]) -> Item:
    """The key a request writes, checked as BatchWriteItem checks it."""
    schema = table.key_schema
    put = request.get("PutRequest")
    if put is None:
        return check_key(schema, request["DeleteRequest"]["Key"])
    item = put["Item"]
    # A put's key errors read as a Key's ("does not match the schema"), not as PutItem's.
    key = check_key(schema, complete_key(schema, item) or {})
    check_index_keys(table, item)
    return key


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    request_items = req["RequestItems"]
    if not request_items:
        raise validation("The requestItems parameter is required for BatchWriteItem")
    requests = _requests(request_items)
    sizes: list[int | None] = []
    for _, request in requests:
        put = request.get("PutRequest")
        if put is not None:
            check_names(put["Item"])
            sizes.append(check_item_size(put["Item"]))
        else:
            sizes.append(None)
    check_total(len(requests), MAX_REQUESTS, "BatchWriteItem")

    def write(view: WriteView) -> list[tuple[str, rmw.Change]]:
        tables = {name: data_table(ctx, view, name) for name in request_items}
        writes: list[_Write] = []
        for (name, request), size in zip(requests, sizes, strict=True):
            key = _key_of(tables[name], request)
            item = None if size is None else (request["PutRequest"]["Item"], size)
            writes.append(_Write(name, key, item))
        seen: set[tuple[str, bytes]] = set()
        for w in writes:
            identity = item_identity(tables[w.name], w.key)
            if identity in seen:
                raise validation(DUPLICATE_KEYS)
            seen.add(identity)
        return [
            (w.name, rmw.apply(ctx, view, tables[w.name], w.key, rmw.replace_with(w.item))) for w in writes
        ]

    return _response(ctx.store.write(write, grouped=True), req)


def _response(changes: list[tuple[str, rmw.Change]], req: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"UnprocessedItems": {}}
    if req.get("ReturnItemCollectionMetrics") == "SIZE":
        metrics = collection_metrics_by_table(changes)
        if metrics:
            out["ItemCollectionMetrics"] = metrics
    capacities = Capacities()
    for _, change in changes:
        capacity = capacities.of(change.table)
        capacity.units += write_units(change.old_size, change.new_size)
        capacity.add_index_writes(change.index_writes)
    report = capacities.render(req.get("ReturnConsumedCapacity"))
    if report is not None:
        out["ConsumedCapacity"] = report
    return out


OPERATION = Operation("BatchWriteItem", REQUEST, run, writes=True)
