"""Scan: a whole table or index in partition-hash order, optionally one parallel segment."""

from __future__ import annotations

from typing import Any

from dynamo import reads
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.operations import Operation
from dynamo.operations.query import SELECT
from dynamo.params import (
    NAME_PATTERN,
    conditions,
    data_table_name,
    enum,
    expression_names,
    expression_values,
    return_consumed_capacity,
)
from dynamo.shapes import Boolean, Integer, List, Member, Request, String
from expressions import FILTER, PROJECTION
from storage.keycodec import segment_bounds

REQUEST = Request(
    "ScanInput",
    {
        "TableName": data_table_name(),
        "IndexName": Member(String(min_len=3, max_len=255, pattern=NAME_PATTERN)),
        "AttributesToGet": Member(List(String(), min_len=1, max_len=255)),
        "Limit": Member(Integer(min=1)),
        "Select": enum(SELECT),
        "ScanFilter": conditions(),
        "ConditionalOperator": enum(["OR", "AND"]),
        "ExclusiveStartKey": reads.exclusive_start_key(),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "TotalSegments": Member(Integer(min=1, max=1000000)),
        "Segment": Member(Integer(min=0, max=999999)),
        "ProjectionExpression": Member(String()),
        "FilterExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
        "ExpressionAttributeValues": expression_values(),
        "ConsistentRead": Member(Boolean()),
    },
)
EXPRESSIONS = Expressions(
    {"FilterExpression": FILTER, "ProjectionExpression": PROJECTION},
    legacy=("AttributesToGet", "ScanFilter", "ConditionalOperator"),
)


def _segment(req: dict[str, Any]) -> tuple[int, int] | None:
    segment, total = req.get("Segment"), req.get("TotalSegments")
    if segment is None and total is None:
        return None
    if total is None:
        raise validation(
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is "
            "present"
        )
    if segment is None:
        raise validation(
            "The Segment parameter is required but was not present in the request when parameter TotalSegments is "
            "present"
        )
    if segment >= total:
        raise validation(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            f"Segment: {segment} is not less than TotalSegments: {total}"
        )
    return segment, total


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    segment = _segment(req)
    expressions = prepare(req, EXPRESSIONS)
    select = reads.check_select(req, query=False)
    output = reads.Output(select, expressions.condition("FilterExpression"), expressions.projection())
    lo: bytes | None = None
    hi: bytes | None = None
    if segment is not None:
        lo, hi = segment_bounds(*segment)
    with ctx.store.read() as view:
        read = reads.target(ctx, view, req)
        reads.check_select_for_target(select, read)
        after = None
        start = req.get("ExclusiveStartKey")
        if start is not None:
            after = reads.check_start_key(read, start)
            if segment is not None and not (after.key >= (lo or b"") and (hi is None or after.key < hi)):
                raise validation(
                    "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey "
                    f"with correct Segment. TotalSegments: {segment[1]} Segment: {segment[0]}"
                )
        page = reads.read_page(reads.entries(view, read, lo, hi, False, after), req.get("Limit"))
        return reads.respond(view, read, page, output, req, bool(req.get("ConsistentRead")))


OPERATION = Operation("Scan", REQUEST, run)
