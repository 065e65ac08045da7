"""The single entry point shared by the HTTP server and the embedded client.

``handle(ctx, operation, request, mode, service)`` checks the request against the operation's
shape, runs it and returns the response document (None for operations that answer with
an empty body). Any failure leaves as a :class:`~dynamo.errors.DynamoError`: the one
place where unexpected exceptions become ``InternalServerError``.
"""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context
from dynamo.errors import translate, unknown_operation
from dynamo.operations import DYNAMODB, SERVICES, Operation, Run
from dynamo.shapes import JSON


def operation(name: str, service: str = DYNAMODB) -> Operation:
    op = SERVICES.get(service, {}).get(name)
    if op is None:
        raise unknown_operation()
    return op


def handle(
    ctx: Context, name: str, request: Any, mode: str = JSON, service: str = DYNAMODB, run: Run | None = None
) -> dict[str, Any] | None:
    """``run`` serves the checked request instead of the operation itself (the cache's
    read-through handlers), with the same checks before and the same errors after."""
    op = operation(name, service)
    try:
        return (run or op.run)(ctx, op.request.load_request(request, mode))
    except Exception as exc:  # neutral errors and bugs alike become DynamoDB errors here
        error = translate(exc)
        if op.envelope and ctx.settings.validation_envelope:
            error = error.enveloped()
        if error is exc:
            raise
        raise error from exc
