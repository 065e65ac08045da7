"""One module per operation; this registry maps each service's wire names to them.

Each module declares ``OPERATION``: the request shape (checked generically before the
operation runs, so ``run`` only sees well-typed input) and the function that serves it.
Two services share the engine, as in AWS: DynamoDB itself and DynamoDB Streams, told
apart by the ``X-Amz-Target`` prefix (the embedded client by its service model).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

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
    #: Long-running but not a writer (a backup reads a whole table): the HTTP server runs
    #: it on a worker thread, off both the event loop and the writer thread.
    blocking: bool = False
    #: For an operation that may or may not write (PartiQL): whether this raw request only
    #: reads, so the HTTP server serves it as a read, never queued behind writes.
    reads_only: Callable[[Any], bool] | None = None


DYNAMODB: Final = "DynamoDB_20120810"
STREAMS: Final = "DynamoDBStreams_20120810"
# The botocore service model of each target prefix.
SERVICE_MODELS: Final = {DYNAMODB: "dynamodb", STREAMS: "dynamodbstreams"}

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
    "update_time_to_live",
    "describe_time_to_live",
    "create_backup",
    "describe_backup",
    "delete_backup",
    "list_backups",
    "restore_table_from_backup",
    "update_continuous_backups",
    "describe_continuous_backups",
    "restore_table_to_point_in_time",
    "export_table_to_point_in_time",
    "describe_export",
    "list_exports",
    "import_table",
    "describe_import",
    "list_imports",
    "execute_statement",
    "batch_execute_statement",
    "execute_transaction",
)
_STREAMS_MODULES = ("list_streams", "describe_stream", "get_shard_iterator", "get_records")


def _load(modules: tuple[str, ...]) -> dict[str, Operation]:
    registry = {}
    for module_name in modules:
        module = importlib.import_module(f"dynamo.operations.{module_name}")
        operation: Operation = module.OPERATION
        registry[operation.name] = operation
    return registry


OPERATIONS: dict[str, Operation] = _load(_MODULES)
SERVICES: dict[str, dict[str, Operation]] = {DYNAMODB: OPERATIONS, STREAMS: _load(_STREAMS_MODULES)}
