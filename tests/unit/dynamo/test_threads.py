"""The server's thread pool: every job runs once, results reach their callbacks, idle
threads are reused most-recent first, and shutdown finishes what was submitted."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from dynamo.threads import Pool


def test_every_job_runs_once_and_reaches_its_callback() -> None:
    # Jobs beyond the thread count wait in a backlog; each result reaches its own callback.
    pool = Pool(3, "test")
    results: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(200):
        pool.submit(lambda i=i: (time.sleep(0.0005), i)[1], results.put)
    assert sorted(results.get(timeout=10) for _ in range(200)) == list(range(200))
    assert len(pool._workers) == 3
    pool.shutdown()


def test_one_job_at_a_time_runs_on_one_thread() -> None:
    # Jobs that never overlap all run on the thread that went idle last (caches stay warm).
    pool = Pool(8, "test")
    names: queue.SimpleQueue[str] = queue.SimpleQueue()
    for _ in range(20):
        pool.submit(lambda: threading.current_thread().name, names.put)
        names_seen = names.get(timeout=10)
        deadline = time.monotonic() + 10
        while not pool._idle and time.monotonic() < deadline:  # until the thread is idle again
            time.sleep(0.0005)
    assert len(pool._workers) == 1
    assert names_seen == "test-0"
    pool.shutdown()


def test_a_failing_callback_does_not_stop_the_thread() -> None:
    # A callback that raises is logged; the thread goes on with the next job.
    pool = Pool(1, "test")
    results: queue.SimpleQueue[int] = queue.SimpleQueue()

    def broken(_: object) -> None:
        raise ValueError("callback bug")

    pool.submit(lambda: 1, broken)
    pool.submit(lambda: 2, results.put)
    assert results.get(timeout=10) == 2
    pool.shutdown()


def test_shutdown_finishes_submitted_work_then_refuses_more() -> None:
    # Work submitted before shutdown completes; threads stop; later submits raise.
    pool = Pool(2, "test")
    results: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(10):
        pool.submit(lambda i=i: (time.sleep(0.002), i)[1], results.put)
    pool.shutdown(wait=True)
    assert sorted(results.get_nowait() for _ in range(10)) == list(range(10))
    assert not any(worker.thread.is_alive() for worker in pool._workers)
    with pytest.raises(RuntimeError):
        pool.submit(lambda: 0, results.put)
