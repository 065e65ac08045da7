"""One module per DynamoDB operation; this registry maps wire names to them.

Each module declares ``OPERATION``: the request shape (checked generically before the
operation runs, so ``run`` only sees well-typed input) and the function that serves it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dynamo.engine import Context
from dynamo.shapes import Request

Run = Callable[[Context, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class Operation:
    name: str
    request: Request
    run: Run
    #: Served on the writer thread by the HTTP server (it takes the LMDB write lock).
    writes: bool = False
    #: PutItem/UpdateItem/DeleteItem wrap some validation errors in the 2026 envelope.
    envelope: bool = False


_MODULES = (
    "create_table",
    "delete_table",
    "describe_table",
    "list_tables",
    "get_item",
    "query",
    "scan",
    "put_item",
    "update_item",
    "update_table",
    "delete_item",
    "describe_limits",
    "describe_endpoints",
    "tag_resource",
    "untag_resource",
    "list_tags_of_resource",
    "batch_write_item",
    "batch_get_item",
    "transact_write_items",
    "transact_get_items",
)


def _load() -> dict[str, Operation]:
    registry = {}
    for module_name in _MODULES:
        module = importlib.import_module(f"dynamo.operations.{module_name}")
        operation: Operation = module.OPERATION
        registry[operation.name] = operation
    return registry


OPERATIONS: dict[str, Operation] = _load()
