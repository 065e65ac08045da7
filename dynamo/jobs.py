"""Background jobs: restores, exports and imports, run one at a time on a daemon thread.

A job is a record in the catalog (its kind, its id, what it needs), written in the same
transaction as the request that starts it, so it survives a restart and is resumed. Several
processes may open one data directory (a server and a CLI command): a job is leased to one
process at a time, renewed as it progresses, and taken over only if its holder stopped
renewing it. A kind's code checks its lease in every transaction it commits (:meth:`Jobs.held`)
and stops as soon as it lost it.

A job that fails for a passing reason is tried again a little later; one that can never
succeed (its input is missing or damaged) raises :class:`Hopeless` and is abandoned: the
kind cleans up and records why.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from storage.store import ReadView, WriteView

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.jobs")
LEASE: Final = 60.0  # seconds (wall clock) without renewal before another process may take a job
RETRY: Final = 5.0  # seconds before a job that failed for a passing reason is tried again
ATTEMPTS: Final = 5  # a job failing this many times in a row is abandoned, not retried forever


@dataclass
class Progress:
    """How far a running job is, for a progress bar in the same process (a CLI command)."""

    items: int = 0
    total: int | None = None  # items expected, when known
    fraction: float = 0.0  # of the input read, when the item total is not known


class Hopeless(Exception):
    """The job can never succeed (its message says why)."""


class JobKind(Protocol):
    kind: str

    def run(self, jobs: Jobs, job_id: str, spec: dict[str, Any]) -> None:
        """Do (the rest of) the job; raise :class:`Hopeless` if it cannot ever be done."""

    def abandon(self, jobs: Jobs, job_id: str, spec: dict[str, Any], reason: str) -> None:
        """Clean up after a hopeless job (and delete its record)."""


class Jobs:
    """The job runner of one engine."""

    def __init__(self, engine: Engine, kinds: list[JobKind]) -> None:
        self.engine = engine
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._kinds = {k.kind: k for k in kinds}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._retry_at: dict[tuple[str, str], float] = {}  # job -> monotonic time to try again
        self._failures: dict[tuple[str, str], int] = {}  # job -> failures in a row
        self._next_look: float | None = None  # seconds until a job skipped now may be taken
        self.progress: dict[str, Progress] = {}  # job id -> how far it is (running jobs only)

    # -- control -------------------------------------------------------------------------

    def resume(self) -> None:
        """At start: finish the jobs a previous run (or another process) left."""
        with self.engine.store.read() as view:
            pending = any(next(iter(view.records(kind)), None) is not None for kind in self._kinds)
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
                self._thread = threading.Thread(target=self._run, name="dynamo-jobs", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no job is left that this process can do; whether it happened in time."""
        return self._idle.wait(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    # -- leases --------------------------------------------------------------------------

    def held(self, view: ReadView, kind: str, job_id: str) -> dict[str, Any] | None:
        """The job's record, if it still exists and this process holds it."""
        spec: dict[str, Any] | None = view.record(kind, job_id)
        return spec if spec is not None and spec.get("owner") == self.owner else None

    def renew(
        self, view: WriteView, kind: str, job_id: str, spec: dict[str, Any], **changes: Any
    ) -> dict[str, Any]:
        """Save progress (``changes``) and extend the lease, in the caller's transaction."""
        updated = {**spec, **changes, "heartbeat": time.time()}
        view.put_record(kind, job_id, updated)
        return updated

    @contextmanager
    def heartbeat(self, kind: str, job_id: str) -> Iterator[None]:
        """Keep renewing a job's lease while a long step runs that commits nothing (an
        export writing its files), so no other process takes the job meanwhile."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(LEASE / 4):

                def renew(view: WriteView) -> None:
                    spec = self.held(view, kind, job_id)
                    if spec is not None:
                        self.renew(view, kind, job_id, spec)

                try:
                    self.engine.store.write(renew)
                except Exception:  # the step itself reports real trouble
                    log.exception("renewing the lease of %s job %s failed", kind, job_id)

        thread = threading.Thread(target=beat, name="dynamo-job-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    # -- the work ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                worked = self.run_one()
            except Exception:  # a bug must not end the service
                log.exception("background job runner failed")
                worked = False
            if worked:
                continue
            with self._lock:
                if not self._wake.is_set():  # a job recorded meanwhile is not missed
                    self._idle.set()
            # Jobs to retry, or leased by a process that may have died, are looked at again
            # when they can be taken; otherwise only a new job wakes the runner.
            self._wake.wait(timeout=self._next_look)

    def run_one(self) -> bool:
        """Work on one job this process may take; False if there was none."""
        claimed = self._claim()
        if claimed is None:
            return False
        kind, job_id, spec = claimed
        self._idle.clear()
        self.progress[job_id] = Progress()
        job = (kind, job_id)
        try:
            self._kinds[kind].run(self, job_id, spec)
            self._failures.pop(job, None)
        except Hopeless as exc:
            log.error("%s job %s cannot be done: %s", kind, job_id, exc)
            self._kinds[kind].abandon(self, job_id, spec, str(exc))
        except Exception as exc:
            failures = self._failures[job] = self._failures.get(job, 0) + 1
            if failures >= ATTEMPTS:
                log.exception("%s job %s failed %d times; it is abandoned", kind, job_id, failures)
                self._failures.pop(job, None)
                self._kinds[kind].abandon(self, job_id, spec, f"failed {failures} times: {exc}")
            else:
                log.exception("%s job %s failed; it is tried again later", kind, job_id)
                self._retry_at[job] = time.monotonic() + RETRY
        finally:
            self.progress.pop(job_id, None)
        return True

    def _claim(self) -> tuple[str, str, dict[str, Any]] | None:
        """Lease the first job no live process holds."""
        now = time.monotonic()

        def claim(view: WriteView) -> tuple[str, str, dict[str, Any]] | None:
            waits: list[float] = []  # seconds until each job skipped here may be taken
            for kind in self._kinds:
                for job_id, spec in view.records(kind):
                    retry_at = self._retry_at.get((kind, job_id), 0.0)
                    if retry_at > now:
                        waits.append(retry_at - now)
                        continue
                    holder = spec.get("owner")
                    lease_left = LEASE - (time.time() - spec.get("heartbeat", 0.0))
                    if holder not in (None, self.owner) and lease_left > 0:
                        waits.append(lease_left + 0.1)
                        continue
                    return kind, job_id, self.renew(view, kind, job_id, spec, owner=self.owner)
            self._next_look = min(waits) if waits else None
            return None

        return self.engine.store.write(claim)
