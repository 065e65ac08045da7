"""ExecuteStatement: one PartiQL statement (SELECT, INSERT, UPDATE or DELETE).

The statement is translated into the Query/Scan or single-item write it stands for
(``dynamo.partiql``), so results, errors and consumed capacity are those of the
equivalent expression request.
"""

from __future__ import annotations

from typing import Any

from dynamo.attributes import AttributeValueShape
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.operations import Operation
from dynamo.params import RETURN_VALUES_ON_CONDITION_CHECK_FAILURE, enum, return_consumed_capacity
from dynamo.partiql import ast, parse_bound, reads_only, select, writes
from dynamo.partiql import errors as text
from dynamo.shapes import Boolean, Integer, List, Member, Request, String, Struct

MAX_STATEMENT = 8192


def statement_shape(name: str, *, consistent_read: bool) -> Struct:
    """One statement of BatchExecuteStatement / ExecuteTransaction (``name``: the model's)."""
    members = {
        "Statement": Member(String(min_len=1, max_len=MAX_STATEMENT), not_null=True),
        "Parameters": Member(List(AttributeValueShape(), min_len=1)),
        **({"ConsistentRead": Member(Boolean())} if consistent_read else {}),
        "ReturnValuesOnConditionCheckFailure": enum(RETURN_VALUES_ON_CONDITION_CHECK_FAILURE),
    }
    return Struct(name, members)


REQUEST = Request(
    "ExecuteStatementInput",
    {
        "Statement": Member(String(min_len=1, max_len=MAX_STATEMENT), required=True),
        "Parameters": Member(List(AttributeValueShape(), min_len=1)),
        "ConsistentRead": Member(Boolean()),
        "NextToken": Member(String(min_len=1, max_len=32768)),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "Limit": Member(Integer(min=1)),
        "ReturnValuesOnConditionCheckFailure": enum(RETURN_VALUES_ON_CONDITION_CHECK_FAILURE),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    params = req.get("Parameters") or []
    statement = parse_bound(req["Statement"], params)
    if isinstance(statement, ast.Select):
        return select.execute(ctx, statement, params, req)
    if isinstance(statement, ast.Exists):
        raise validation(text.EXISTS_ONLY_IN_TRANSACTION)
    return writes.execute(ctx, writes.plan(ctx, statement, params), req)


# Writes go to the HTTP server's writer thread; a SELECT is served as the read it is.
OPERATION = Operation("ExecuteStatement", REQUEST, run, writes=True, reads_only=reads_only())
