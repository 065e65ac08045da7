"""What TransactWriteItems and TransactGetItems share: cancellation and idempotency.

A transaction that cannot commit is cancelled as a whole with one reason per action, in
request order (reference 8.2). Reasons are collected as :class:`Reason` values and turned
into DynamoDB's ``TransactionCanceledException`` by :func:`cancelled`.

Idempotency (reference 8.3): a ``ClientRequestToken`` is remembered for ten minutes with
a fingerprint of the request, in the same LMDB transaction as the writes, so a crash can
never leave writes without their token or a token without its writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from dynamo.errors import DynamoError, translate, validation
from dynamo.fingerprint import fingerprint
from storage.catalog import TableDef
from storage.store import WriteView
from storage.values import Item

TOKEN_LIFETIME: Final = 600.0
DUPLICATE_TARGETS: Final = "Transaction request cannot include multiple operations on one item"
CANCELLED: Final = "Transaction cancelled, please refer cancellation reasons for specific reasons"
CONDITION_FAILED: Final = "The conditional request failed"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one action stopped the transaction."""

    code: str
    message: str
    item: Item | None = None

    @classmethod
    def validation_error(cls, exc: Exception) -> Reason:
        """An action's data was invalid: the error it would have raised on its own."""
        return cls("ValidationError", translate(exc).message or "")

    @classmethod
    def condition_failed(cls, item: Item | None) -> Reason:
        return cls("ConditionalCheckFailed", CONDITION_FAILED, item)


def cancelled(reasons: Sequence[Reason | None]) -> DynamoError:
    """``TransactionCanceledException`` for these per-action reasons (None: no problem)."""
    rendered: list[dict[str, Any]] = []
    for reason in reasons:
        if reason is None:
            rendered.append({"Code": "None"})
            continue
        entry: dict[str, Any] = {"Code": reason.code}
        if reason.item is not None:
            entry["Item"] = reason.item
        entry["Message"] = reason.message
        rendered.append(entry)
    codes = ", ".join(entry["Code"] for entry in rendered)
    return DynamoError(
        "TransactionCanceledException",
        f"{CANCELLED} [{codes}]",
        extra={"CancellationReasons": rendered},
    )


def only(count: int, index: int, reason: Reason) -> DynamoError:
    """Cancelled because of action ``index`` alone (every other action: None)."""
    reasons: list[Reason | None] = [None] * count
    reasons[index] = reason
    return cancelled(reasons)


def check_distinct_targets(targets: Sequence[tuple[TableDef, Item]]) -> None:
    """No two actions may address the same item (keys compared by value)."""
    seen: set[tuple[str, bytes]] = set()
    for table, key in targets:
        identity = (table.table_id, fingerprint(key))
        if identity in seen:
            raise validation(DUPLICATE_TARGETS)
        seen.add(identity)


# -- idempotency ------------------------------------------------------------------------------


class Idempotency:
    """The ClientRequestToken of one request: recall an earlier identical request, or
    remember this one when it commits."""

    __slots__ = ("_digest", "_name", "_now")

    def __init__(self, operation: str, region: str, token: str, request: dict[str, Any], now: float) -> None:
        self._name = f"{operation}\0{region}\0{token}".encode()
        # ReturnConsumedCapacity only shapes the answer: a retry may ask differently.
        self._digest = fingerprint(
            {k: v for k, v in request.items() if k not in ("ClientRequestToken", "ReturnConsumedCapacity")}
        )
        self._now = now

    def replayed(self, view: WriteView) -> bool:
        """Whether this request already ran (within ten minutes of finishing).

        The same token with different parameters is refused.
        """
        digest = view.recall(self._name, self._now)
        if digest is None:
            return False
        if digest != self._digest:
            raise DynamoError(
                "IdempotentParameterMismatchException",
                "Request token is being used with different parameters",
            )
        return True

    def remember(self, view: WriteView) -> None:
        view.remember(self._name, self._digest, self._now + TOKEN_LIFETIME, self._now)
