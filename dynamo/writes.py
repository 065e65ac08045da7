"""What every item write shares around the write path: the condition check (inside the
write transaction), the item an update makes, and the response (ReturnValues, capacity).

PutItem, UpdateItem and DeleteItem use all of it; batch writes and transactions use the
same checks and item computations, so an action behaves exactly like its single-item call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dynamo.capacity import Capacity, write_units
from dynamo.errors import conditional_check_failed, invalid_parameters, validation
from dynamo.keys import check_index_keys
from dynamo.rmw import Change
from expressions import Condition, apply_update, compile_condition, project, touched_paths
from expressions.ast import Update
from storage.catalog import TableDef
from storage.keycodec import PID_SIZE
from storage.store import StoredItem
from storage.values import MAX_ITEM_SIZE, Item, item_size

GIGABYTE = 1024**3
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
NOT_SCALAR = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "


def condition_guard(
    condition: Condition | None, return_on_failure: str | None
) -> Callable[[Item | None], None]:
    """A check run on the old item (an empty item if absent) before writing."""
    if condition is None:
        return lambda old: None
    holds = compile_condition(condition)
    with_item = return_on_failure == "ALL_OLD"

    def check(old: Item | None) -> None:
        if not holds(old if old is not None else {}):
            raise conditional_check_failed(old if with_item and old is not None else None)

    return check


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
            raise validation(f"{NOT_SCALAR}Key: {first}")
        if first in index_keys and nested:
            raise validation(f"{NOT_SCALAR}IndexKey: {first}")


def updated_item(table: TableDef, update: Update | None, old: Item | None, key: Item) -> StoredItem | None:
    """The item an update makes of ``old``: None if it is absent and stays absent (an
    update that only removes creates nothing); without an update expression, the item is
    (created as) just its key. The result must fit in 400 KB and keep valid index keys.
    """
    if update is None:
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


def response(
    change: Change,
    request: dict[str, Any],
    *,
    update: Update | None = None,
) -> dict[str, Any]:
    """Attributes per ReturnValues, and ConsumedCapacity if asked for."""
    out: dict[str, Any] = {}
    mode = request.get("ReturnValues", "NONE")
    old = change.old_item
    new = None if change.new is None else change.new[0]
    attributes: Item | None = None
    if mode == "ALL_OLD":
        attributes = old
    elif mode == "ALL_NEW":
        attributes = new
    elif mode == "UPDATED_OLD" and old is not None and update is not None:
        attributes = project(old, touched_paths(update))
    elif mode == "UPDATED_NEW" and new is not None and update is not None:
        attributes = project(new, touched_paths(update))
    if attributes:
        out["Attributes"] = attributes
    capacity = Capacity(change.table.name, write_units(change.old_size, change.new_size))
    capacity.add_index_writes(change.index_writes)
    report = capacity.render(request.get("ReturnConsumedCapacity"))
    if report is not None:
        out["ConsumedCapacity"] = report
    if request.get("ReturnItemCollectionMetrics") == "SIZE" and change.collection_size is not None:
        out["ItemCollectionMetrics"] = collection_metrics(change)
    return out


def collection_metrics_by_table(changes: Iterable[tuple[str, Change]]) -> dict[str, list[dict[str, Any]]]:
    """ItemCollectionMetrics of a multi-item write, keyed by the table names the request
    used: one entry per item collection touched (tables with local secondary indexes)."""
    found: dict[str, dict[bytes, dict[str, Any]]] = {}
    for name, change in changes:
        if change.collection_size is not None:
            found.setdefault(name, {})[change.key[:PID_SIZE]] = collection_metrics(change)
    return {name: list(collections.values()) for name, collections in found.items()}


def collection_metrics(change: Change) -> dict[str, Any]:
    """ItemCollectionMetrics of a write to a table with local secondary indexes."""
    assert change.collection_size is not None
    hash_key = change.table.key_schema.hash.name
    item = change.new[0] if change.new is not None else change.old_item
    assert item is not None
    gigabytes = change.collection_size / GIGABYTE
    low = float(int(gigabytes))
    return {"ItemCollectionKey": {hash_key: item[hash_key]}, "SizeEstimateRangeGB": [low, low + 1.0]}
