"""Threads that take work off the server's event loop (writes wait for the disk).

``concurrent.futures.ThreadPoolExecutor`` would do, but each submit builds a Future with
its own Condition and RLock and the result travels back through a done-callback. Worse,
threads waiting on one shared queue take turns, so consecutive writes of one connection
run on different threads with cold caches: measured, that cost a PutItem about 80 µs of
CPU. Here a job goes straight to the thread that went idle last (its stack and the
objects it touched are still in the CPU's caches), new threads start only when every
thread is busy, and the thread that ran the work hands its result to the job's callback.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("dynamo.http")

Job = tuple[Callable[[], Any], Callable[[Any], object]]


class Pool:
    """Up to ``threads`` threads running ``submit``-ted work in arrival order."""

    def __init__(self, threads: int, name: str) -> None:
        self._size = threads
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []  # a stack: the last to go idle is the first used
        self._backlog: deque[Job] = deque()  # jobs waiting for a thread (all are busy)
        self._workers: list[_Worker] = []
        self._closed = False

    def submit(self, work: Callable[[], Any], then: Callable[[Any], object]) -> None:
        """Run ``work()`` on a pool thread, then ``then(result)`` on that thread. ``work``
        answers its own errors; one escaping ``then`` is logged and the thread goes on."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is shut down")
            if self._idle:
                self._idle.pop().start((work, then))
            elif len(self._workers) < self._size:
                worker = _Worker(self, f"{self._name}-{len(self._workers)}")
                self._workers.append(worker)
                worker.start((work, then))
            else:
                self._backlog.append((work, then))

    def shutdown(self, wait: bool = True) -> None:
        """Let the threads finish what was submitted, then stop them (joined if ``wait``)."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            for worker in self._idle:
                worker.start(None)
            self._idle.clear()
        if wait:
            for worker in workers:
                worker.thread.join()

    def _next_job(self, worker: _Worker) -> Job | None:
        """``worker`` has finished a job: its next one, waiting idle for it if none is
        waiting; None: stop."""
        with self._lock:
            if self._backlog:
                return self._backlog.popleft()
            if self._closed:
                return None
            self._idle.append(worker)
        worker.wake.acquire()  # released by start(), with the job in hand
        return worker.job


class _Worker:
    """One pool thread, woken with a job in hand."""

    def __init__(self, pool: Pool, name: str) -> None:
        self.pool = pool
        self.job: Job | None = None
        self.wake = threading.Lock()
        self.wake.acquire()
        # A daemon thread: an App that is never shut down must not keep its process alive;
        # a write cut short at exit is a transaction LMDB never committed.
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.started = False

    def start(self, job: Job | None) -> None:
        """Hand over a job (None: stop). The pool's lock is held."""
        self.job = job
        if self.started:
            self.wake.release()
        else:
            self.started = True
            self.thread.start()

    def _serve(self) -> None:
        job = self.job
        while job is not None:
            work, then = job
            try:
                then(work())
            except Exception:
                log.exception("unexpected error in %s", self.thread.name)
            job = self.pool._next_job(self)
