"""DescribeImport."""

from __future__ import annotations

from typing import Any

from dynamo import imports
from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import Member, Request, String

REQUEST = Request(
    "DescribeImportInput", {"ImportArn": Member(String(min_len=37, max_len=1024), required=True)}
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as view:
        return {"ImportTableDescription": imports.description(imports.find(ctx, view, req["ImportArn"]))}


OPERATION = Operation("DescribeImport", REQUEST, run)
