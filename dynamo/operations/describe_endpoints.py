"""DescribeEndpoints: the address clients should use, cached for a day."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Request

REQUEST = Request("DescribeEndpointsRequest", {})


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return {"Endpoints": [{"Address": f"dynamodb.{ctx.region}.amazonaws.com", "CachePeriodInMinutes": 1440}]}


OPERATION = Operation("DescribeEndpoints", REQUEST, run)
