"""Neutral errors of the expression layer (``dynamo.errors`` makes them ValidationExceptions)."""

from __future__ import annotations


class ExpressionError(Exception):
    """A request-time problem with an expression; ``message`` is DynamoDB's full text.

    ``envelope`` marks the families that PutItem/UpdateItem/DeleteItem have wrapped in
    "1 validation error detected: " since mid-2026 (syntax, size, redundant parentheses,
    repeated sections, overlapping paths, non-distinct operands).
    """

    def __init__(self, message: str, *, envelope: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.envelope = envelope


class UpdateError(Exception):
    """An update that cannot be applied to this item (the item stays as it was)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


INVALID_PATH = "The document path provided in the update expression is invalid for update"
MISSING_OPERAND = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
