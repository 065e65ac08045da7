"""DescribeLimits: DynamoDB's default account and table quotas."""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Request

REQUEST = Request("DescribeLimitsInput", {})

LIMITS = {
    "AccountMaxReadCapacityUnits": 80000,
    "AccountMaxWriteCapacityUnits": 80000,
    "TableMaxReadCapacityUnits": 40000,
    "TableMaxWriteCapacityUnits": 40000,
}


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    return dict(LIMITS)


OPERATION = Operation("DescribeLimits", REQUEST, run)
