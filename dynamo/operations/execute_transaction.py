"""ExecuteTransaction: up to 100 PartiQL statements, all reads or all writes, atomically.

Writes (INSERT, UPDATE, DELETE, EXISTS) become the actions of one TransactWriteItems
request, reads (single-item SELECTs) the Gets of one TransactGetItems request; those
operations supply all-or-nothing execution, cancellation reasons, ClientRequestToken
idempotency and capacity.
"""

from __future__ import annotations

from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.operations import Operation, transact_get_items, transact_write_items
from dynamo.operations.execute_statement import statement_shape
from dynamo.params import return_consumed_capacity
from dynamo.partiql import ast, parse_bound, reads_only, writes
from dynamo.partiql import errors as text
from dynamo.partiql.calls import call
from dynamo.partiql.singles import KeyedRead, keyed_read
from dynamo.shapes import List, Member, Request, String
from dynamo.transactions import CANCELLED

MAX_STATEMENTS: Final = 100
MIXED: Final = "ExecuteTransaction API does not support both read and write operations in the same request."
MISSING_KEY: Final = (
    "Select statements within ExecuteTransaction must specify the primary key in the where clause."
)

REQUEST = Request(
    "ExecuteTransactionInput",
    {
        "TransactStatements": Member(
            List(
                statement_shape("ParameterizedStatement", consistent_read=False),
                min_len=1,
                max_len=MAX_STATEMENTS,
            ),
            required=True,
        ),
        "ClientRequestToken": Member(String(min_len=1, max_len=36)),
        "ReturnConsumedCapacity": return_consumed_capacity(),
    },
)


def _failed(index: int, message: str) -> DynamoError:
    return validation(f"Validation failed in TransactStatements[{index}]: {message}")


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    entries = req["TransactStatements"]
    statements = [parse_bound(entry["Statement"], entry.get("Parameters")) for entry in entries]
    reading = [isinstance(statement, ast.Select) for statement in statements]
    if any(reading) and not all(reading):
        raise validation(MIXED)
    for i, statement in enumerate(statements):
        if isinstance(statement, ast.Update | ast.Delete) and statement.returning is not None:
            raise _failed(i, "RETURNING clause is not supported in ExecuteTransaction.")
        if isinstance(statement, ast.Select) and statement.source.index is not None:
            raise _failed(i, "Reads on indices are not supported within transactions.")
    if all(reading):
        return _read(ctx, req, statements)
    return _write(ctx, req, statements)


def _read(ctx: Context, req: dict[str, Any], statements: list[ast.Statement]) -> dict[str, Any]:
    reads: list[KeyedRead] = []
    for entry, statement in zip(req["TransactStatements"], statements, strict=True):
        assert isinstance(statement, ast.Select)
        reads.append(keyed_read(ctx, statement, entry.get("Parameters") or [], MISSING_KEY, MISSING_KEY))
    request: dict[str, Any] = {
        "TransactItems": [{"Get": {"TableName": r.table, "Key": r.key}} for r in reads]
    }
    if req.get("ReturnConsumedCapacity") is not None:
        request["ReturnConsumedCapacity"] = req["ReturnConsumedCapacity"]
    response = call(ctx, transact_get_items.OPERATION, request)
    out: dict[str, Any] = {"Responses": []}
    for read, found in zip(reads, response["Responses"], strict=True):
        item = read.result(found.get("Item"))
        out["Responses"].append({"Item": item} if item else {})
    if "ConsumedCapacity" in response:
        out["ConsumedCapacity"] = response["ConsumedCapacity"]
    return out


def _write(ctx: Context, req: dict[str, Any], statements: list[ast.Statement]) -> dict[str, Any]:
    actions = []
    inserts = []
    for entry, statement in zip(req["TransactStatements"], statements, strict=True):
        write = writes.plan(ctx, statement, entry.get("Parameters") or [])
        params = dict(write.params)
        if entry.get("ReturnValuesOnConditionCheckFailure") is not None and not write.insert:
            params["ReturnValuesOnConditionCheckFailure"] = entry["ReturnValuesOnConditionCheckFailure"]
        actions.append({write.kind: params})
        inserts.append(write.insert)
    request: dict[str, Any] = {"TransactItems": actions}
    for member in ("ClientRequestToken", "ReturnConsumedCapacity"):
        if req.get(member) is not None:
            request[member] = req[member]
    try:
        return call(ctx, transact_write_items.OPERATION, request)
    except DynamoError as exc:
        if exc.code != "TransactionCanceledException":
            raise
        raise _with_duplicates(exc, inserts) from None


def _with_duplicates(exc: DynamoError, inserts: list[bool]) -> DynamoError:
    """An INSERT's failed attribute_not_exists condition is a duplicate key, not a failed condition."""
    reasons = []
    for reason, insert in zip(exc.extra["CancellationReasons"], inserts, strict=True):
        if insert and reason.get("Code") == "ConditionalCheckFailed":
            reason = {"Code": "DuplicateItem", "Message": text.DUPLICATE_ITEM}
        reasons.append(reason)
    codes = ", ".join(reason["Code"] for reason in reasons)
    return DynamoError(exc.code, f"{CANCELLED} [{codes}]", extra={"CancellationReasons": reasons})


# A transaction of SELECTs (TransactGetItems) is served as a read.
OPERATION = Operation(
    "ExecuteTransaction", REQUEST, run, writes=True, reads_only=reads_only("TransactStatements")
)
