"""Group commit: grouped writes of concurrent threads share one commit, yet each keeps
its own transaction's meaning (its failure undoes only itself, its callbacks run only
after the commit, in its own context)."""

from __future__ import annotations

import contextvars
import threading
from pathlib import Path
from typing import Any

import pytest

from storage.env import Environment, WriteTxn

THREADS = 8


def _run_threads(target: Any, count: int = THREADS) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def env(tmp_path: Path) -> Any:
    environment = Environment(tmp_path / "db", durability="strict")
    environment.write(lambda txn: txn.create_db(b"t"))
    yield environment
    environment.close()


def test_concurrent_grouped_writes_all_commit_and_share_commits(env: Environment, monkeypatch: Any) -> None:
    # Every acknowledged grouped write is there, and writers waiting together shared commits.
    groups: list[int] = []
    commit_group = Environment._commit_group

    def counting(self: Environment, batch: list[Any]) -> None:
        groups.append(len(batch))
        commit_group(self, batch)

    monkeypatch.setattr(Environment, "_commit_group", counting)

    def writer(i: int) -> None:
        for n in range(50):
            env.write(lambda txn, n=n: txn.put(txn.db(b"t"), f"{i}-{n}".encode(), b"x" * 100), grouped=True)

    _run_threads(writer)
    with env.read() as txn:
        db = txn.db(b"t")
        assert all(txn.get(db, f"{i}-{n}".encode()) == b"x" * 100 for i in range(THREADS) for n in range(50))
    assert sum(groups) == THREADS * 50
    assert max(groups) > 1  # some commits were shared


def test_a_failing_write_undoes_only_itself(env: Environment) -> None:
    # One writer's exception aborts its own nested transaction; the group's others commit.
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def writer(i: int) -> None:
        def fn(txn: WriteTxn) -> None:
            txn.put(txn.db(b"t"), f"k{i}".encode(), b"v")
            if i % 2:
                raise ValueError(f"writer {i} fails")

        barrier.wait()
        try:
            env.write(fn, grouped=True)
        except ValueError as exc:
            errors.append(exc)

    _run_threads(writer)
    assert sorted(str(e) for e in errors) == [f"writer {i} fails" for i in range(1, THREADS, 2)]
    with env.read() as txn:
        db = txn.db(b"t")
        assert [i for i in range(THREADS) if txn.get(db, f"k{i}".encode()) is not None] == list(
            range(0, THREADS, 2)
        )


def test_callbacks_run_after_the_commit_in_the_writers_context(env: Environment) -> None:
    # after_commit callbacks see the writer's context variables, whichever thread leads.
    who: contextvars.ContextVar[int] = contextvars.ContextVar("who")
    seen: dict[int, int] = {}

    def writer(i: int) -> None:
        who.set(i)

        def fn(txn: WriteTxn) -> None:
            txn.put(txn.db(b"t"), f"c{i}".encode(), b"v")
            txn.after_commit(lambda: seen.__setitem__(i, who.get()))

        env.write(fn, grouped=True)
        assert seen[i] == i  # ran before write() returned

    _run_threads(writer)
    assert seen == {i: i for i in range(THREADS)}


def test_a_full_map_grows_and_the_whole_group_retries(tmp_path: Path) -> None:
    # A group that fills the map is aborted, the map grown, and every write in it done once.
    env = Environment(tmp_path / "small", map_size=1 << 20)
    env.write(lambda txn: txn.create_db(b"t"))
    calls = [0] * THREADS

    def writer(i: int) -> None:
        def fn(txn: WriteTxn) -> None:
            calls[i] += 1
            for n in range(40):
                txn.put(txn.db(b"t"), f"{i}-{n}".encode(), b"y" * 4000)

        env.write(fn, grouped=True)

    _run_threads(writer)
    with env.read() as txn:
        db = txn.db(b"t")
        assert all(txn.get(db, f"{i}-{n}".encode()) is not None for i in range(THREADS) for n in range(40))
    assert env.map_size > 1 << 20
    assert all(count >= 1 for count in calls)
    env.close()


def test_a_failing_callback_is_only_its_writers_error(env: Environment) -> None:
    # After the shared commit, one writer's failing callback fails that writer alone; the
    # data of every writer is committed.
    barrier = threading.Barrier(THREADS)
    errors: dict[int, BaseException] = {}

    def writer(i: int) -> None:
        def fn(txn: WriteTxn) -> None:
            txn.put(txn.db(b"t"), f"cb{i}".encode(), b"v")
            if i == 3:
                txn.after_commit(lambda: 1 / 0)

        barrier.wait()
        try:
            env.write(fn, grouped=True)
        except ZeroDivisionError as exc:
            errors[i] = exc

    _run_threads(writer)
    assert list(errors) == [3]
    with env.read() as txn:
        db = txn.db(b"t")
        assert all(txn.get(db, f"cb{i}".encode()) == b"v" for i in range(THREADS))


def test_an_interrupted_waiting_writer_withdraws_and_blocks_no_one(env: Environment) -> None:
    # A writer interrupted (Ctrl-C) while its write waits for a group is withdrawn: it is
    # not written, and the writers after it are not left without a leader.
    import signal
    import time

    started = threading.Event()

    def slow(txn: WriteTxn) -> None:
        started.set()
        time.sleep(0.4)
        txn.put(txn.db(b"t"), b"slow", b"1")

    leader = threading.Thread(target=lambda: env.write(slow, grouped=True))
    leader.start()
    started.wait()
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(0.1, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        env.write(lambda txn: txn.put(txn.db(b"t"), b"interrupted", b"1"), grouped=True)
    leader.join()
    later = threading.Thread(
        target=lambda: env.write(lambda txn: txn.put(txn.db(b"t"), b"later", b"1"), grouped=True)
    )
    later.start()
    later.join(timeout=5)
    assert not later.is_alive()
    with env.read() as txn:
        db = txn.db(b"t")
        assert (txn.get(db, b"slow"), txn.get(db, b"interrupted"), txn.get(db, b"later")) == (
            b"1",
            None,
            b"1",
        )
