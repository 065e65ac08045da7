"""Running an existing operation on a request this package built.

The request goes through the operation's own shape first, exactly as if a client had
sent it: values are checked and canonicalised by the one checker, and the operation's
``run`` sees what it always sees.
"""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.operations import Operation
from dynamo.shapes import PYTHON


def call(ctx: Context, operation: Operation, request: dict[str, Any]) -> dict[str, Any]:
    response = operation.run(ctx, operation.request.load_request(request, PYTHON))
    return response or {}


def merge_capacity(total: dict[str, Any] | None, more: dict[str, Any] | None) -> dict[str, Any] | None:
    """Two ConsumedCapacity entries of one table added up (several Queries of one SELECT)."""
    if total is None or more is None:
        return total or more
    out = dict(total)
    for key, value in more.items():
        if isinstance(value, int | float) and isinstance(out.get(key), int | float):
            out[key] = out[key] + value
        elif isinstance(value, dict):
            out[key] = merge_capacity(out.get(key), value)
        elif key not in out:
            out[key] = value
    return out
