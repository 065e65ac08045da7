"""ClientRequestToken idempotency (reference 8.3).

A token is remembered for ten minutes with a fingerprint of the request and the ids of
the tables it addressed, in the same LMDB transaction as the writes: a crash can never
leave writes without their token or a token without its writes. A retry with the same
token and the same parameters is answered without writing again; with other parameters
it is refused. A token whose tables have since been deleted (even if re-created under the
same names) no longer refers to anything and is treated as new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import msgpack

from dynamo.errors import DynamoError
from dynamo.fingerprint import fingerprint
from storage.catalog import TableDef
from storage.store import WriteView

TOKEN_LIFETIME: Final = 600.0
# Members that only shape the answer: a retry may ask for them differently.
_NOT_COMPARED: Final = ("ClientRequestToken", "ReturnConsumedCapacity")


class Idempotency:
    """The ClientRequestToken of one request of ``operation`` in ``region``."""

    __slots__ = ("_digest", "_name", "_remembered")

    def __init__(self, operation: str, region: str, token: str, request: dict[str, Any]) -> None:
        self._name = f"{operation}\0{region}\0{token}".encode()
        self._digest = fingerprint({k: v for k, v in request.items() if k not in _NOT_COMPARED})
        self._remembered: list[str] | None = None

    def check(self, view: WriteView, now: float) -> None:
        """Look the token up; the same token with different parameters is refused."""
        raw = view.recall(self._name, now)
        if raw is None:
            return
        digest, table_ids = msgpack.unpackb(raw)
        if digest != self._digest:
            raise DynamoError(
                "IdempotentParameterMismatchException",
                "Request token is being used with different parameters",
            )
        self._remembered = table_ids

    def replayed(self, tables: Sequence[TableDef]) -> bool:
        """Whether this request already ran against these very tables (after ``check``)."""
        return self._remembered == [table.table_id for table in tables]

    def remember(self, view: WriteView, tables: Sequence[TableDef], now: float) -> None:
        record = msgpack.packb([self._digest, [table.table_id for table in tables]])
        view.remember(self._name, record, now + TOKEN_LIFETIME, now)


def recall_token(view: WriteView, kind: str, region: str, token: str, now: float) -> Any | None:
    """What :func:`remember_token` kept for a ClientToken (exports, imports), if not expired."""
    raw = view.recall(f"{kind}\0{region}\0{token}".encode(), now)
    return None if raw is None else msgpack.unpackb(raw)


def remember_token(
    view: WriteView, kind: str, region: str, token: str, value: Any, lifetime: float, now: float
) -> None:
    """Keep ``value`` for a ClientToken for ``lifetime`` seconds, in the request's transaction
    (expired tokens are swept by later writes, so they never accumulate)."""
    view.remember(f"{kind}\0{region}\0{token}".encode(), msgpack.packb(value), now + lifetime, now)
