"""Time to Live: deleting expired items in the background (reference 11.3).

An item expires when its TTL attribute is a top-level Number of epoch seconds that is not
in the future and not more than five years in the past (older values are taken for
mistakes and never expire). Expired items stay readable until the sweeper deletes them,
as in DynamoDB. Deletions go through the one write path, so indexes follow and the
table's stream gets a REMOVE record marked as made by the service.

:class:`Sweeper` is resumable and bounded: each call examines at most ``budget`` items,
continuing each table from where the previous call stopped, in write transactions of at
most ``BATCH`` items so readers and writers are never held up long.
"""

from __future__ import annotations

import threading
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from dynamo import rmw
from storage.catalog import TableDef
from storage.store import WriteView
from storage.values import Item

if TYPE_CHECKING:
    from dynamo.engine import Engine

FIVE_YEARS: Final = 5 * 365 * 24 * 3600.0
BATCH: Final = 1000


def expired(item: Item, attribute: str, now: float) -> bool:
    """Whether ``item`` has expired by ``now`` under TTL attribute ``attribute``."""
    value = item.get(attribute)
    if value is None or "N" not in value:
        return False
    try:
        when = Decimal(value["N"])
    except InvalidOperation:
        return False
    return now - FIVE_YEARS <= when <= now


def ttl_attribute(table: TableDef) -> str | None:
    ttl = table.meta.get("ttl")
    return ttl["attribute"] if ttl and ttl.get("enabled") else None


class Sweeper:
    """Deletes expired items of every TTL-enabled table of an engine, a slice at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cursors: dict[str, bytes] = {}  # table id -> last key examined
        self._lock = threading.Lock()  # one sweep at a time (the cursors are shared)
        self._last_table = ""  # where the previous sweep ended
        self._stop = threading.Event()

    def sweep(self, now: float | None = None, budget: int = 100_000) -> int:
        """Examine up to ``budget`` items; delete the expired ones; how many were deleted.

        Tables take turns: each sweep starts with the table after the one the previous
        sweep ended in, so a large table cannot starve the others.
        """
        engine = self._engine
        now = engine.clock() if now is None else now
        deleted = 0
        with self._lock:
            with engine.store.read() as view:
                tables = sorted(
                    (t for t in view.tables() if ttl_attribute(t) is not None), key=lambda t: t.table_id
                )
            live = {t.table_id for t in tables}
            self._cursors = {k: v for k, v in self._cursors.items() if k in live}
            first = next((i for i, t in enumerate(tables) if t.table_id > self._last_table), 0)
            for table in tables[first:] + tables[:first]:
                if budget <= 0 or self._stop.is_set():
                    break
                self._last_table = table.table_id
                while budget > 0 and not self._stop.is_set():
                    examined, removed, done = self._slice(table, now, min(budget, BATCH))
                    budget -= examined
                    deleted += removed
                    if done:
                        break
        return deleted

    def stop(self) -> None:
        """Make a running sweep stop after its current slice."""
        self._stop.set()

    def _slice(self, table: TableDef, now: float, limit: int) -> tuple[int, int, bool]:
        """One write transaction: (items examined, deleted, whether the table is done)."""
        ctx = self._engine.context(table.region)

        def sweep_slice(view: WriteView) -> tuple[int, int, bool]:
            current = view.table(table.region, table.name)
            attribute = None if current is None else ttl_attribute(current)
            if current is None or current.table_id != table.table_id or attribute is None:
                return 0, 0, True  # deleted, re-created or TTL switched off meanwhile
            examined = 0
            doomed: list[Item] = []
            last = self._cursors.get(table.table_id)
            for key, item, _ in view.raw_items(current, last):
                examined += 1
                last = key
                if expired(item, attribute, now):
                    doomed.append(current.key_schema.key_of(item))
                if examined == limit:
                    break
            else:
                last = None  # reached the end: the next sweep starts over
            for key_item in doomed:  # examined in this very transaction: still expired
                rmw.apply(ctx, view, current, key_item, rmw.replace_with(None), by_service=True)
            view.after_commit(lambda: self._move_cursor(table.table_id, last))
            return examined, len(doomed), last is None

        return self._engine.store.write(sweep_slice)

    def _move_cursor(self, table_id: str, last: bytes | None) -> None:
        # After commit only: a transaction retried (map growth) must start where it did.
        if last is None:
            self._cursors.pop(table_id, None)
        else:
            self._cursors[table_id] = last
