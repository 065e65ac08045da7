"""What TransactWriteItems and TransactGetItems share: cancellation and distinct targets.

A transaction that cannot commit is cancelled as a whole with one reason per action, in
request order (reference 8.2). Reasons are collected as :class:`Reason` values and turned
into DynamoDB's ``TransactionCanceledException`` by :func:`cancelled`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from dynamo.errors import DynamoError, translate, validation
from dynamo.keys import complete_key, item_identity
from storage.catalog import TableDef
from storage.values import Item

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
    """No two actions may address the same item (keys compared by value).

    ``targets`` holds each action's table and key attributes as given; an action whose key
    is incomplete or mistyped addresses no item and is left to its own validation.
    """
    seen: set[tuple[str, bytes]] = set()
    for table, given in targets:
        key = complete_key(table.key_schema, given)
        if key is None:
            continue
        identity = item_identity(table, key)
        if identity in seen:
            raise validation(DUPLICATE_TARGETS)
        seen.add(identity)
