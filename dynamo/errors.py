"""DynamoDB's error types, built in one place and rendered in one place.

Every error a client can see is a :class:`DynamoError`: its wire ``__type`` (namespace and
code), its HTTP status, its message (under ``message``, or ``Message`` for the few types
that use the capital) and any extra members (``Item``, ``CancellationReasons``). Lower
layers raise neutral errors; :func:`translate` is the single point where they become
DynamoDB errors.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from expressions.errors import ExpressionError, UpdateError
from storage.errors import InvalidValue, StorageError, TooManyDatabases

log = logging.getLogger("dynamo")

CORAL_VALIDATE: Final = "com.amazon.coral.validate"
CORAL_SERVICE: Final = "com.amazon.coral.service"
DYNAMODB: Final = "com.amazonaws.dynamodb.v20120810"
STREAMS: Final = "com.amazonaws.dynamodb.streams.v20120810"

_NAMESPACE: Final = {
    "ValidationException": CORAL_VALIDATE,
    "SerializationException": CORAL_SERVICE,
    "UnknownOperationException": CORAL_SERVICE,
    "MissingAuthenticationTokenException": CORAL_SERVICE,
    "IncompleteSignatureException": CORAL_SERVICE,
    "InvalidSignatureException": CORAL_SERVICE,
    "UnrecognizedClientException": CORAL_SERVICE,
    "AccessDeniedException": CORAL_SERVICE,
    "ExpiredIteratorException": STREAMS,
    "TrimmedDataAccessException": STREAMS,
}
# Types whose message member is spelled with a capital M on the wire.
_CAPITAL_MESSAGE: Final = frozenset({"SerializationException", "TransactionCanceledException"})
_STATUS: Final = {"InternalServerError": 500, "ServiceUnavailable": 503}

ONE_ERROR: Final = "1 validation error detected: "


class DynamoError(Exception):
    """An error as DynamoDB reports it."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        extra: dict[str, Any] | None = None,
        envelope: bool = False,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.extra = extra or {}
        # True for the validation families that PutItem/UpdateItem/DeleteItem wrap in
        # "1 validation error detected: " since mid-2026 (reference 5.9); see ``enveloped``.
        self.envelope = envelope

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)

    @property
    def type(self) -> str:
        return f"{_NAMESPACE.get(self.code, DYNAMODB)}#{self.code}"

    def body(self) -> dict[str, Any]:
        """The JSON error document."""
        doc: dict[str, Any] = {"__type": self.type}
        # DynamoDB sends a cancellation's reasons before its message, other extras after.
        reasons_first = self.code == "TransactionCanceledException"
        if reasons_first:
            doc.update(self.extra)
        if self.message is not None:
            doc["Message" if self.code in _CAPITAL_MESSAGE else "message"] = self.message
        if not reasons_first:
            doc.update(self.extra)
        return doc

    def enveloped(self) -> DynamoError:
        """This error with the single-error envelope, if its family takes one."""
        if not self.envelope or self.message is None or self.message.startswith(ONE_ERROR):
            return self
        return DynamoError(self.code, ONE_ERROR + self.message, extra=self.extra)

    def __repr__(self) -> str:
        return f"DynamoError({self.code!r}, {self.message!r})"


# -- factories ------------------------------------------------------------------------------


def validation(message: str, *, envelope: bool = False) -> DynamoError:
    return DynamoError("ValidationException", message, envelope=envelope)


def invalid_parameters(detail: str, *, envelope: bool = False) -> DynamoError:
    """The common ``One or more parameter values were invalid: ...`` validation error."""
    return validation("One or more parameter values were invalid: " + detail, envelope=envelope)


def serialization(message: str | None = None) -> DynamoError:
    return DynamoError("SerializationException", message)


def resource_not_found(message: str = "Requested resource not found") -> DynamoError:
    return DynamoError("ResourceNotFoundException", message)


def table_not_found(name: str) -> DynamoError:
    return resource_not_found(f"Requested resource not found: Table: {name} not found")


def resource_in_use(message: str) -> DynamoError:
    return DynamoError("ResourceInUseException", message)


def limit_exceeded(message: str) -> DynamoError:
    return DynamoError("LimitExceededException", message)


def access_denied(message: str) -> DynamoError:
    return DynamoError("AccessDeniedException", message)


def conditional_check_failed(item: dict[str, Any] | None = None) -> DynamoError:
    extra = {"Item": item} if item is not None else None
    return DynamoError("ConditionalCheckFailedException", "The conditional request failed", extra=extra)


def unknown_operation() -> DynamoError:
    return DynamoError("UnknownOperationException")


def internal_error() -> DynamoError:
    return DynamoError("InternalServerError", "Internal server error")


KEY_SCHEMA_MISMATCH: Final = "The provided key element does not match the schema"


def key_mismatch() -> DynamoError:
    return validation(KEY_SCHEMA_MISMATCH)


# -- the translation point ------------------------------------------------------------------


def translate(exc: BaseException) -> DynamoError:
    """The DynamoDB error a client sees for any exception raised while serving a request."""
    if isinstance(exc, DynamoError):
        return exc
    if isinstance(exc, InvalidValue | UpdateError):
        return validation(exc.message)
    if isinstance(exc, ExpressionError):
        return validation(exc.message, envelope=exc.envelope)
    if isinstance(exc, TooManyDatabases):
        return limit_exceeded(f"Subscriber limit exceeded: {exc}")
    if isinstance(exc, StorageError):
        log.error("storage error: %s", exc, exc_info=exc)
        return internal_error()
    log.error("unexpected error while serving a request", exc_info=exc)
    return internal_error()
