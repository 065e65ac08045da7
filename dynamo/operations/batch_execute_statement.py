"""BatchExecuteStatement: up to 25 PartiQL statements, all reads or all writes, each on its own.

Unlike a transaction, each statement succeeds or fails by itself: a failure (including a
statement that does not parse) is reported in that statement's response entry, in order,
and the request still answers 200. Reads must address one item by its full key, as
BatchGetItem does; writes run as the PutItem/UpdateItem/DeleteItem they stand for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from dynamo.engine import Context
from dynamo.errors import DynamoError, translate, validation
from dynamo.fingerprint import fingerprint
from dynamo.operations import Operation, get_item
from dynamo.operations.execute_statement import statement_shape
from dynamo.params import return_consumed_capacity
from dynamo.partiql import ast, parse_bound, reads_only, writes
from dynamo.partiql import errors as text
from dynamo.partiql.calls import call, merge_capacity
from dynamo.partiql.singles import KeyedRead, keyed_read
from dynamo.shapes import List, Member, Request

MAX_STATEMENTS: Final = 25
MIXED: Final = "Read and write requests together in the same batch is not supported."
MISSING_KEY: Final = (
    "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
)
DUPLICATES: Final = "Provided list of item keys contains duplicates"  # unconfirmed (dynoxide's text)
# Error.Code of each exception type (BatchStatementErrorCodeEnum).
_CODES: Final = {
    "ValidationException": "ValidationError",
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ResourceNotFoundException": "ResourceNotFound",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
    "TransactionConflictException": "TransactionConflict",
    "ThrottlingException": "ThrottlingError",
    "AccessDeniedException": "AccessDenied",
    "RequestLimitExceeded": "RequestLimitExceeded",
}

REQUEST = Request(
    "BatchExecuteStatementInput",
    {
        "Statements": Member(
            List(
                statement_shape("BatchStatementRequest", consistent_read=True),
                min_len=1,
                max_len=MAX_STATEMENTS,
            ),
            required=True,
        ),
        "ReturnConsumedCapacity": return_consumed_capacity(),
    },
)

# One statement's plan, or the error that replaces its result.
Planned = KeyedRead | writes.Write | DynamoError


def _error(exc: Exception) -> dict[str, Any]:
    error = translate(exc)
    return {"Error": {"Code": _CODES.get(error.code, "InternalServerError"), "Message": error.message or ""}}


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    entries = req["Statements"]
    statements: list[ast.Statement | DynamoError] = []
    for entry in entries:
        try:
            statements.append(parse_bound(entry["Statement"], entry.get("Parameters")))
        except DynamoError as exc:
            statements.append(exc)
    kinds = {isinstance(s, ast.Select) for s in statements if not isinstance(s, DynamoError)}
    if len(kinds) > 1:
        raise validation(MIXED)
    plans = [_plan(ctx, entry, statement) for entry, statement in zip(entries, statements, strict=True)]
    _check_distinct(plans)
    mode = req.get("ReturnConsumedCapacity")
    capacity: dict[str, dict[str, Any]] = {}
    responses = []
    for entry, planned in zip(entries, plans, strict=True):
        try:
            response, used = _execute(ctx, entry, planned, mode)
        except DynamoError as exc:
            responses.append(_error(exc))
            continue
        responses.append(response)
        if used is not None:
            name = used["TableName"]
            merged = merge_capacity(capacity.get(name), used)
            assert merged is not None
            capacity[name] = merged
    out: dict[str, Any] = {"Responses": responses}
    if mode is not None and mode != "NONE":
        out["ConsumedCapacity"] = list(capacity.values())
    return out


def _plan(ctx: Context, entry: dict[str, Any], statement: ast.Statement | DynamoError) -> Planned:
    if isinstance(statement, DynamoError):
        return statement
    params = entry.get("Parameters") or []
    try:
        if isinstance(statement, ast.Select):
            return keyed_read(ctx, statement, params, MISSING_KEY, MISSING_KEY)
        if isinstance(statement, ast.Exists):
            return validation(text.EXISTS_ONLY_IN_TRANSACTION)
        return writes.plan(ctx, statement, params)
    except DynamoError as exc:
        return exc


def _check_distinct(plans: Sequence[Planned]) -> None:
    seen = set()
    for planned in plans:
        if isinstance(planned, DynamoError):
            continue
        if isinstance(planned, KeyedRead):
            identity = fingerprint([planned.table, planned.key])
        else:
            item = planned.params.get("Key") or planned.params["Item"]
            key = {name: item[name] for name in planned.key_names}
            identity = fingerprint([planned.params["TableName"], key])
        if identity in seen:
            raise validation(DUPLICATES)
        seen.add(identity)


def _execute(
    ctx: Context, entry: dict[str, Any], planned: Planned, mode: str | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if isinstance(planned, DynamoError):
        raise planned
    if isinstance(planned, KeyedRead):
        request: dict[str, Any] = {"TableName": planned.table, "Key": planned.key}
        if entry.get("ConsistentRead") is not None:
            request["ConsistentRead"] = entry["ConsistentRead"]
        if mode is not None:
            request["ReturnConsumedCapacity"] = mode
        found = call(ctx, get_item.OPERATION, request)
        item = planned.result(found.get("Item"))
        response: dict[str, Any] = {"TableName": planned.table}
        if item is not None:
            response["Item"] = item
        return response, found.get("ConsumedCapacity")
    options: dict[str, Any] = {} if mode is None else {"ReturnConsumedCapacity": mode}
    done = writes.execute(ctx, planned, options)
    return {"TableName": planned.params["TableName"]}, done.get("ConsumedCapacity")


# A batch of SELECTs is served as the reads it is; any write goes to the writer thread.
OPERATION = Operation("BatchExecuteStatement", REQUEST, run, writes=True, reads_only=reads_only("Statements"))
