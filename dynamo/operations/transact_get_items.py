"""TransactGetItems: up to 100 Gets answered from one consistent snapshot.

Request-level problems (expressions, unknown tables, two Gets of one item) fail the whole
request; a Get whose key does not fit its table cancels the transaction with a
``ValidationError`` reason for that Get. All items are read in one LMDB read transaction,
so they reflect the same committed state (serializable with every write). Each Get costs
two 4 KB read units, found or not.
"""

from __future__ import annotations

from typing import Any, Final

from dynamo.attributes import AttributeMapShape
from dynamo.capacity import Capacities, read_units
from dynamo.engine import Context
from dynamo.errors import DynamoError
from dynamo.expression_params import Expressions, prepare
from dynamo.keys import check_key
from dynamo.operations import Operation
from dynamo.params import data_table_name, expression_names, return_consumed_capacity
from dynamo.shapes import List, Member, Request, String, Struct
from dynamo.tables import data_table
from dynamo.transactions import Reason, check_distinct_targets, only
from expressions import PROJECTION, projector

MAX_ACTIONS: Final = 100

_GET = Struct(
    "Get",
    {
        "Key": Member(AttributeMapShape(), not_null=True),
        "TableName": data_table_name(nested=True),
        "ProjectionExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
    },
)
REQUEST = Request(
    "TransactGetItemsInput",
    {
        "TransactItems": Member(
            List(
                Struct("TransactGetItem", {"Get": Member(_GET, not_null=True)}, value_struct=True),
                min_len=1,
                max_len=MAX_ACTIONS,
            ),
            required=True,
        ),
        "ReturnConsumedCapacity": return_consumed_capacity(),
    },
)
EXPRESSIONS = Expressions({"ProjectionExpression": PROJECTION})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    gets = [entry["Get"] for entry in req["TransactItems"]]
    projections = []
    for get in gets:
        projection = prepare(get, EXPRESSIONS).projection()
        projections.append(None if projection is None else projector(projection.paths))
    responses: list[dict[str, Any]] = []
    capacities = Capacities()
    with ctx.store.read() as view:
        tables = [data_table(ctx, view, get["TableName"]) for get in gets]
        check_distinct_targets([(table, get["Key"]) for table, get in zip(tables, gets, strict=True)])
        for i, (table, get) in enumerate(zip(tables, gets, strict=True)):
            try:
                check_key(table.key_schema, get["Key"])
            except DynamoError as exc:
                raise only(len(gets), i, Reason.validation_error(exc)) from None
        for table, get, project in zip(tables, gets, projections, strict=True):
            stored = view.get_item(table, get["Key"])
            capacities.of(table).units += 2 * read_units(0 if stored is None else stored[1], True)
            item = None if stored is None else stored[0] if project is None else project(stored[0])
            # A missing item, or one the projection leaves empty, answers {}.
            responses.append({"Item": item} if item else {})
    out: dict[str, Any] = {"Responses": responses}
    report = capacities.render(req.get("ReturnConsumedCapacity"), "Read")
    if report is not None:
        out["ConsumedCapacity"] = report
    return out


OPERATION = Operation("TransactGetItems", REQUEST, run)
