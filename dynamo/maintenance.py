"""The services beside requests: TTL sweeping, stream trimming and shard rollover,
point-in-time history trimming and the expiry of SYSTEM backups.

Each is a plain bounded function (callable directly, with any ``now``, which is how the
tests drive them); :class:`Maintenance` runs them every ``interval`` seconds on a daemon
thread when the engine is configured to (the server always is; embedded users can switch
it off and call :meth:`Maintenance.run` themselves).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from typing import TYPE_CHECKING, Any, Final

from dynamo import backups, pitr, restore_requests
from dynamo.ttl import Sweeper
from storage.catalog import TableDef
from storage.store import WriteView
from streams import log as streams

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.maintenance")
HISTORY_SLICE: Final = 10_000  # point-in-time history entries trimmed per transaction


class Maintenance:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.sweeper = Sweeper(engine)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_ttl(self, now: float | None = None, budget: int = 100_000) -> int:
        """Delete expired items (examining at most ``budget``); how many were deleted."""
        return self.sweeper.sweep(now, budget)

    def maintain_streams(self, now: float | None = None) -> int:
        """Roll over shards that are due, trim records older than 24 hours and drop
        streams disabled for 24 hours, one bounded transaction at a time; how many records
        were trimmed."""
        engine = self._engine
        when = engine.clock() if now is None else now
        rollover = engine.settings.stream_rollover
        with engine.store.read() as view:
            log_ids = [stream.log_id for stream in streams.every(view.logs)]
        trimmed = 0
        for log_id in log_ids:

            def maintain(view: WriteView, log_id: bytes = log_id) -> tuple[int, bool]:
                stream = streams.load(view.logs, log_id)
                if stream is None:
                    return 0, True
                if stream.disabled is None:
                    streams.roll_over_if_due(view.logs, stream, when, rollover)
                return streams.trim(view.logs, stream, when)

            done = False
            while not done and not self._stop.is_set():
                deleted, done = engine.store.write(maintain)
                trimmed += deleted
        return trimmed

    def maintain_backups(self, now: float | None = None) -> int:
        """Trim point-in-time history older than each table's window and delete expired
        SYSTEM backups (not one a restore is reading), a bounded transaction at a time;
        how many history entries and backups went."""
        engine = self._engine
        when = engine.clock() if now is None else now
        with engine.store.read() as view:
            tables = [t for t in view.tables() if pitr.enabled(t)]
            expired = [
                r
                for _, r in view.records(backups.KIND)
                if r.get("expires") is not None
                and r["expires"] <= when
                and not restore_requests.in_use(view, r["arn"])
            ]
        removed = 0
        for table in tables:
            while not self._stop.is_set():
                trimmed = engine.store.write(functools.partial(self._trim_history, table=table, when=when))
                removed += trimmed
                if trimmed < HISTORY_SLICE:
                    break
        for record in expired:
            engine.store.write(functools.partial(self._forget_backup, record=record))
            backups.remove_file(engine.context(backups.region_of(record)), record)
            removed += 1
        return removed + backups.sweep_orphans(engine)

    @staticmethod
    def _trim_history(view: WriteView, table: TableDef, when: float) -> int:
        current = view.table(table.region, table.name)
        if current is None or current.table_id != table.table_id or not pitr.enabled(current):
            return 0
        return pitr.trim(view, current, when, HISTORY_SLICE)

    @staticmethod
    def _forget_backup(view: WriteView, record: dict[str, Any]) -> None:
        view.delete_record(backups.KIND, record["arn"])

    def run(self, now: float | None = None) -> tuple[int, int, int]:
        """One round of everything: (items expired, stream records trimmed, history entries
        and SYSTEM backups removed). Each part runs even if another fails (the failure is
        logged, and raised once all have run)."""
        results = [0, 0, 0]
        failure: Exception | None = None
        for i, part in enumerate((self.sweep_ttl, self.maintain_streams, self.maintain_backups)):
            try:
                results[i] = part(now)
            except Exception as exc:
                log.exception("background maintenance failed in %s", part.__name__)
                failure = failure or exc
        if failure is not None:
            raise failure
        return results[0], results[1], results[2]

    # -- the background thread ------------------------------------------------------------

    def start(self, interval: float) -> None:
        if self._thread is not None or interval <= 0:
            return
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="dynamo-maintenance", daemon=True
        )
        self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with contextlib.suppress(Exception):  # logged by run(); the next round tries again
                self.run()

    def stop(self) -> None:
        """Stop the thread, after the slice of work it is doing (slices are short)."""
        self._stop.set()
        self.sweeper.stop()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None
