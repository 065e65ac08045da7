"""What PutItem, UpdateItem and DeleteItem share around the write path: the condition
check (inside the write transaction) and the response (ReturnValues, capacity)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynamo.capacity import Capacity, write_units
from dynamo.errors import conditional_check_failed
from dynamo.rmw import Change
from expressions import Condition, compile_condition, project, touched_paths
from expressions.ast import Update
from storage.values import Item

GIGABYTE = 1024**3


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


def collection_metrics(change: Change) -> dict[str, Any]:
    """ItemCollectionMetrics of a write to a table with local secondary indexes."""
    assert change.collection_size is not None
    hash_key = change.table.key_schema.hash.name
    item = change.new[0] if change.new is not None else change.old_item
    assert item is not None
    gigabytes = change.collection_size / GIGABYTE
    low = float(int(gigabytes))
    return {"ItemCollectionKey": {hash_key: item[hash_key]}, "SizeEstimateRangeGB": [low, low + 1.0]}
