"""Filling restore targets in the background, one job at a time.

A job (recorded by :func:`dynamo.restore_requests.begin`) names the target table and the
snapshot file of its items. The restorer loads the items in 1,000-item transactions,
counting them in the job record, then makes the table ACTIVE and deletes the job, in one
transaction. Because the count commits with each batch, a job resumes exactly where it
stopped after a restart, and nothing is written twice.

Several processes may open one data directory (a server and a CLI command): a job is
leased to one process at a time, renewed with every batch, and taken over only if its
holder stopped renewing it. A process that lost its lease stops at once. A snapshot that
is missing or damaged cannot ever be restored: the target table and the job are then
deleted (and the failure logged), so the name is free again and the backup usable.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import threading
import time
import uuid
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from dynamo.keys import index_keys_acceptable
from dynamo.restore_requests import KIND
from storage import snapshots
from storage.catalog import IndexDef, TableDef
from storage.errors import CorruptStore
from storage.store import WriteView
from storage.values import Item

if TYPE_CHECKING:
    from collections.abc import Iterator

    from dynamo.engine import Engine

log = logging.getLogger("dynamo.restores")
BATCH: Final = 1000
LEASE: Final = 60.0  # seconds (wall clock) without renewal before another process may take a job
RETRY: Final = 5.0  # seconds before a job that failed for a passing reason is tried again


class Restorer:
    """Runs the restore jobs of one engine on a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._retry_at: dict[str, float] = {}  # job -> monotonic time it may be tried again

    # -- control -------------------------------------------------------------------------

    def resume(self) -> None:
        """At start: finish the restores a previous run (or another process) left."""
        with self._engine.store.read() as view:
            pending = next(iter(view.records(KIND)), None) is not None
        if pending:
            self.wake()
        else:
            self._idle.set()

    def wake(self) -> None:
        """A job was recorded: work on it."""
        with self._lock:
            if self._stop.is_set():
                return
            self._idle.clear()
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dynamo-restores", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no restore is left that this process can do; whether it happened in time."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    # -- the work ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                worked = self.run_one()
            except Exception:  # a bug must not end the service
                log.exception("restore worker failed")
                worked = False
            if worked:
                continue
            with self._lock:
                if not self._wake.is_set():  # a job recorded meanwhile is not missed
                    self._idle.set()
            self._wake.wait(timeout=RETRY if self._retry_at else None)

    def run_one(self) -> bool:
        """Work on one job this process may take; False if there was none."""
        job = self._claim()
        if job is None:
            return False
        table_id, spec = job
        try:
            self._fill(table_id, spec)
        except (CorruptStore, OSError, ValueError) as exc:  # the snapshot cannot be read: never will
            log.error("restore of %s cannot be done (%s); the target table is removed", spec["table"], exc)
            self._abandon(table_id, spec)
        except Exception:
            log.exception("restore of %s failed; it is tried again later", spec["table"])
            self._retry_at[table_id] = time.monotonic() + RETRY
        return True

    def _claim(self) -> tuple[str, dict[str, Any]] | None:
        """Lease the first job no live process holds."""
        now = time.monotonic()

        def claim(view: WriteView) -> tuple[str, dict[str, Any]] | None:
            for table_id, spec in view.records(KIND):
                if self._retry_at.get(table_id, 0.0) > now:
                    continue
                holder = spec.get("owner")
                if holder not in (None, self._owner) and time.time() - spec.get("heartbeat", 0.0) < LEASE:
                    continue
                spec = {**spec, "owner": self._owner, "heartbeat": time.time()}
                view.put_record(KIND, table_id, spec)
                return table_id, spec
            return None

        return self._engine.store.write(claim)

    def _fill(self, table_id: str, spec: dict[str, Any]) -> None:
        engine = self._engine
        _, entries = snapshots.read(spec["file"])
        try:
            remaining: Iterator[tuple[Item, int]] = islice(entries, spec.get("done", 0), None)
            while not self._stop.is_set():
                batch = list(islice(remaining, BATCH))
                if not engine.store.write(functools.partial(self._load, table_id=table_id, batch=batch)):
                    break
            else:
                return  # stopping: the job resumes at the next start
        finally:
            entries.close()  # type: ignore[attr-defined]
        if spec["temporary"]:
            _remove(spec["file"])

    def _load(self, view: WriteView, table_id: str, batch: list[tuple[Item, int]]) -> bool:
        """Write one batch; False when the job is over (done, gone, or no longer ours)."""
        spec = view.record(KIND, table_id)
        if spec is None or spec.get("owner") != self._owner:
            return False  # finished or taken over by another process meanwhile
        table = view.table(spec["region"], spec["table"])
        if table is None or table.table_id != table_id:
            view.delete_record(KIND, table_id)  # the target is gone
            return False
        schema = table.key_schema

        def indexable(index: IndexDef, item: Item) -> bool:
            return index_keys_acceptable(table, index, item)

        for item, size in batch:
            key = schema.primary_key(item)
            view.put(table, key, item, size, view.get(table, key), indexable=indexable)
        if batch:
            view.put_record(
                KIND, table_id, {**spec, "done": spec.get("done", 0) + len(batch), "heartbeat": time.time()}
            )
            return True
        # The snapshot is exhausted: the table is ready.
        meta = {k: v for k, v in table.meta.items() if k != "restore"}
        meta["active_at"] = self._engine.clock()
        view.save_table(TableDef(table.region, table.name, table.table_id, schema, table.indexes, meta))
        view.delete_record(KIND, table_id)
        return False

    def _abandon(self, table_id: str, spec: dict[str, Any]) -> None:
        def drop(view: WriteView) -> None:
            table = view.table(spec["region"], spec["table"])
            if table is not None and table.table_id == table_id:
                view.delete_table(table)
            view.delete_record(KIND, table_id)

        self._engine.store.write(drop)
        if spec["temporary"]:
            _remove(spec["file"])


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
