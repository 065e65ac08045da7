"""The LMDB environment: the only module that imports ``lmdb``.

It owns three concerns the rest of the engine should never think about:

* **Transactions.** ``read()`` is a context manager over a read-only snapshot. ``write(fn)``
  runs ``fn`` inside one write transaction, commits, and only then runs the callbacks that
  ``fn`` registered with ``after_commit`` (cache updates, waking stream readers): a failed or
  retried transaction has no side effects.
* **Map growth.** LMDB needs a maximum map size up front. When a write hits it, the
  transaction is aborted, the map doubled and ``fn`` run again. Resizing is only legal with
  no transaction open in this process, so every transaction passes a small gate that lets a
  resize wait for the open ones to finish. A long reader (a backup) would make that wait
  long, so the map is also doubled ahead of need, once three quarters are used, at a
  moment when nothing is open. Growth by another process is adopted the same way.
* **Durability.** ``strict`` (default) fsyncs data and meta pages at every commit, so an
  acknowledged write survives power loss. Item writes are *grouped*: those of threads
  waiting at the same moment share one commit and one fsync (each in a nested
  transaction of its own), so strict throughput grows with concurrency. ``relaxed`` skips the meta-page fsync
  (``MDB_NOMETASYNC``): the database stays consistent, but a system crash may undo the last
  committed transaction. A process crash (kill -9) loses nothing in either mode.

Named databases are opened once and their handles cached; a handle created inside a write
transaction becomes visible to others only after that transaction commits.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import lmdb

from storage.errors import StorageError

T = TypeVar("T")
Durability = Literal["strict", "relaxed"]

DEFAULT_MAP_SIZE = 256 * 1024 * 1024
# How long a group's leader may wait for the writers of the previous group to queue again:
# a fraction of one fsync (hundreds of microseconds on SSDs).
GATHER_SECONDS = 0.0003
MAX_GROUP = 64  # writers per group: one transaction must stay of a sensible size
DEFAULT_MAX_DBS = 1024  # tables + indexes + logs; each read txn costs ~1 ns per slot
MAX_MAP_SIZE = 1 << 40


class _Gate:
    """Counts open transactions so that a map resize can wait until there are none."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active = 0
        self._exclusive = False

    def enter(self) -> None:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._active += 1

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if self._exclusive and self._active == 0:
                self._cond.notify_all()

    def try_exclusive(self) -> bool:
        """Become exclusive at once if no transaction is open; False (and nothing
        changes) if one is. Release with :meth:`release`."""
        with self._cond:
            if self._exclusive or self._active:
                return False
            self._exclusive = True
            return True

    def release(self) -> None:
        with self._cond:
            self._exclusive = False
            self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class ReadTxn:
    """A read-only snapshot. Values returned are ``bytes`` valid after the transaction."""

    __slots__ = ("_env", "txn")

    def __init__(self, env: Environment, txn: Any) -> None:
        self._env = env
        self.txn = txn

    def db(self, name: bytes) -> Any | None:
        """Handle of a named database, or None if it is unknown (see ``ensure_handles``)."""
        return self._env._handles.get(name)

    def get(self, db: Any, key: bytes) -> bytes | None:
        value: bytes | None = self.txn.get(key, db=db)
        return value

    def cursor(self, db: Any) -> Any:
        return self.txn.cursor(db=db)

    def entries(self, db: Any) -> int:
        return int(self.txn.stat(db)["entries"])


class WriteTxn(ReadTxn):
    """A write transaction; changes become visible (and durable) only at commit."""

    __slots__ = ("_after_commit", "_claimed", "_created", "_dropped")

    def __init__(self, env: Environment, txn: Any) -> None:
        super().__init__(env, txn)
        self._after_commit: list[Callable[[], None]] = []
        self._created: dict[bytes, Any] = {}
        self._dropped: list[bytes] = []
        self._claimed: list[bytes] = []

    def db(self, name: bytes) -> Any | None:
        handle = self._created.get(name)
        if handle is not None:
            return handle
        return self._env._handle(name, self.txn, create=False, pending=self._created)

    def create_db(self, name: bytes) -> Any:
        """Create (or open) a named database inside this transaction."""
        handle = self._env._handle(name, self.txn, create=True, pending=self._created)
        self._claimed.append(name)  # dropped earlier but not yet retired: keep it after all
        return handle

    def drop_db(self, name: bytes) -> None:
        """Empty a named database now; its name and handle are retired after commit.

        Deleting the database inside this transaction would close its handle at once,
        under readers still using it and even if this transaction then aborts.
        """
        handle = self.db(name)
        if handle is not None:
            self.txn.drop(handle, delete=False)
            self._dropped.append(name)

    def put(self, db: Any, key: bytes, value: bytes) -> None:
        self.txn.put(key, value, db=db)

    def delete(self, db: Any, key: bytes) -> bool:
        return bool(self.txn.delete(key, db=db))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this transaction has committed (never if it aborts).

        A callback registered again (an equal one) runs once: a batch of writes that each
        want to wake the same reader wakes it once.
        """
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def open_databases(self) -> int:
        """Named databases open in this process, including ones this transaction created."""
        return len(self._env._handles) + len(self._created)


class _Reading:
    """``with env.read() as txn``: a plain class, as this is on every read's path.

    On exit the LMDB transaction is aborted *and* dropped from the wrapper: an aborted
    read transaction keeps its reader slot for as long as the Python object lives, and
    wrappers can outlive the block (in a traceback, say), which would exhaust the slots.
    """

    __slots__ = ("_env", "_wrapper")

    def __init__(self, env: Environment) -> None:
        self._env = env

    def __enter__(self) -> ReadTxn:
        env = self._env
        env._gate.enter()
        try:
            self._wrapper = ReadTxn(env, env._begin(write=False))
        except BaseException:
            env._gate.leave()
            raise
        return self._wrapper

    def __exit__(self, *exc_info: object) -> None:
        wrapper = self._wrapper
        txn, wrapper.txn = wrapper.txn, None
        txn.abort()
        del txn, self._wrapper
        self._env._gate.leave()


class _Slot:
    """One grouped write waiting for a commit: its function, the context it was called in
    (context variables travel with it to the thread that runs it) and, once settled, its
    result or exception."""

    __slots__ = ("context", "done", "error", "fn", "value", "wake")

    def __init__(self, fn: Callable[[WriteTxn], Any], context: contextvars.Context) -> None:
        self.fn = fn
        self.context = context
        self.wake = threading.Event()  # set when committed (or failed), or to lead
        self.reset()

    def reset(self) -> None:
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def succeed(self, value: Any) -> None:
        self.value, self.done = value, True

    def fail(self, error: BaseException) -> None:
        self.error, self.done = error, True

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class Environment:
    """One LMDB environment per data directory."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durability: Durability = "strict",
        map_size: int = DEFAULT_MAP_SIZE,
        max_dbs: int = DEFAULT_MAX_DBS,
    ) -> None:
        if durability not in ("strict", "relaxed"):
            raise StorageError(f"unknown durability mode: {durability!r}")
        os.makedirs(path, exist_ok=True)
        self.path = os.fspath(path)
        self.durability = durability
        self._env = lmdb.open(
            self.path,
            map_size=map_size,
            max_dbs=max_dbs,
            sync=True,
            metasync=durability == "strict",
            readahead=False,
            max_spare_txns=4,
        )
        self._gate = _Gate()
        self._handles: dict[bytes, Any] = {}
        self._open_lock = threading.Lock()  # mdb_dbi_open must not run concurrently
        self._write_lock = threading.Lock()  # one writer per process; LMDB's lock is per env
        self._queue_lock = threading.Lock()
        self._queue: list[_Slot] = []  # grouped writes waiting for the next commit
        self._leader: _Slot | None = None  # the writer committing the next group
        self._queue_changed = threading.Condition(self._queue_lock)
        self._last_group = 1  # how many writers the last group committed
        self._retiring: set[bytes] = set()  # dropped databases still to delete (see _housekeep)
        self._page_size = int(self._env.stat()["psize"])
        self._closed = False

    # -- transactions -------------------------------------------------------------------

    def read(self) -> _Reading:
        """A consistent read-only snapshot for the duration of the ``with`` block."""
        return _Reading(self)

    def write(self, fn: Callable[[WriteTxn], T], *, grouped: bool = False) -> T:
        """Run ``fn`` in one write transaction and commit; retried if the map must grow.

        ``grouped``: ``fn`` may share its commit (and its fsync) with the grouped writes
        of other threads waiting at the same moment (group commit, see ``_commit_group``).
        It still runs in a transaction of its own (a nested one): it sees the writes
        committed before it, its failure undoes only its own changes, and its callbacks
        run after the shared commit, in its own context.
        """
        if grouped:
            return self._write_grouped(fn)
        with self._write_lock:
            while True:
                self._gate.enter()
                try:
                    txn = self._begin(write=True)
                    wtxn = WriteTxn(self, txn)
                    try:
                        result = fn(wtxn)
                        txn.commit()
                    except lmdb.MapFullError:
                        txn.abort()
                        full = True
                    except BaseException:
                        txn.abort()
                        raise
                    else:
                        full = False
                finally:
                    self._gate.leave()
                if full:
                    self._grow()
                    continue
                self._handles.update(wtxn._created)
                self._retiring.update(wtxn._dropped)
                self._retiring.difference_update(wtxn._claimed)  # created again: keep it
                self._housekeep()
                for callback in wtxn._after_commit:
                    callback()
                return result

    def _write_grouped(self, fn: Callable[[WriteTxn], T]) -> T:
        """Join the queue; the first writer to find no leader leads: it commits everything
        queued by then as one group, then hands the lead to the oldest writer still
        waiting. The others sleep until their group has committed (or they lead)."""
        slot = _Slot(fn, contextvars.copy_context())
        with self._queue_lock:
            self._queue.append(slot)
            if self._leader is None:
                self._leader = slot
            leading = self._leader is slot
            self._queue_changed.notify()
        try:
            if not leading:
                slot.wake.wait()
            if not slot.done:  # woken to lead
                self._lead()
        except BaseException:
            # Interrupted (KeyboardInterrupt, ...): a write not yet taken into a group is
            # withdrawn, and the lead it may hold passed on, so no later writer waits for
            # it. One already in a group commits or fails with it.
            self._withdraw(slot)
            raise
        return slot.outcome()  # type: ignore[no-any-return]

    def _withdraw(self, slot: _Slot) -> None:
        with self._queue_lock:
            if any(waiting is slot for waiting in self._queue):
                self._queue = [waiting for waiting in self._queue if waiting is not slot]
            if self._leader is slot:
                self._hand_on()

    def _hand_on(self) -> None:
        """Make the oldest waiting writer the leader (the queue lock is held)."""
        self._leader = self._queue[0] if self._queue else None
        if self._leader is not None:
            self._leader.wake.set()

    def _lead(self) -> None:
        batch: list[_Slot] = []
        error: BaseException | None = None
        try:
            with self._queue_changed:
                # The writers of the last group are likely on their way back: wait a
                # fraction of an fsync for as many, rather than commit alone and make them
                # wait a whole one.
                deadline = time.monotonic() + GATHER_SECONDS
                while len(self._queue) < self._last_group:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._queue_changed.wait(remaining)
                batch, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            self._last_group = len(batch)
            with self._write_lock:
                self._commit_group(batch)
        except BaseException as exc:
            error = exc
            raise
        finally:
            for slot in batch:
                if not slot.done:  # committing itself broke: every writer learns why
                    slot.fail(error or StorageError("the group commit did not complete"))
                slot.wake.set()
            with self._queue_lock:
                self._hand_on()

    def _commit_group(self, batch: list[_Slot]) -> None:
        """One parent transaction, one child per slot, one commit: writes that arrived
        together pay for one fsync between them."""
        while True:
            self._gate.enter()
            committed = False
            try:
                parent = self._begin(write=True)
                try:
                    if len(batch) == 1:
                        # A writer alone needs no child transaction: its failure (handled
                        # below) aborts the parent, which holds nothing else.
                        (slot,) = batch
                        wtxn = WriteTxn(self, parent)
                        done = [(slot, wtxn, slot.context.run(slot.fn, wtxn))]
                    else:
                        done = self._run_children(parent, batch)
                    parent.commit()
                    committed = True
                except lmdb.MapFullError:
                    parent.abort()
                    full = True
                except BaseException as exc:
                    if committed:  # an interrupt after the commit: the data is durable
                        full = False
                    else:
                        parent.abort()
                        for slot in batch:
                            if not slot.done:
                                slot.fail(exc)
                        return
                else:
                    full = False
            finally:
                self._gate.leave()
            if full:
                for slot in batch:
                    slot.reset()
                self._grow()
                continue
            self._after_group(done)
            return

    def _run_children(self, parent: Any, batch: list[_Slot]) -> list[tuple[_Slot, WriteTxn, Any]]:
        """Each slot in a child transaction of ``parent``: a slot's failure undoes its own
        changes only; a full map ends the group (it is retried after growing)."""
        done = []
        for slot in batch:
            child = self._env.begin(write=True, parent=parent)
            wtxn = WriteTxn(self, child)
            try:
                value = slot.context.run(slot.fn, wtxn)
                child.commit()
            except lmdb.MapFullError:
                child.abort()
                raise
            except BaseException as exc:  # this slot's failure, not the group's
                child.abort()
                slot.fail(exc)
            else:
                done.append((slot, wtxn, value))
        return done

    def _after_group(self, done: list[tuple[_Slot, WriteTxn, Any]]) -> None:
        """Settle the committed writers: their data is durable whatever happens here, so
        nothing after this point may report them failed on the group's account."""
        try:
            for _, wtxn, _ in done:
                self._handles.update(wtxn._created)
                self._retiring.update(wtxn._dropped)
                self._retiring.difference_update(wtxn._claimed)
            with contextlib.suppress(Exception):  # housekeeping is retried after the next commit
                self._housekeep()
        finally:
            for slot, wtxn, value in done:
                # A callback that raises is that writer's error alone (as it would be
                # without grouping), never the others'.
                try:
                    for callback in wtxn._after_commit:
                        slot.context.run(callback)
                except BaseException as exc:
                    slot.fail(exc)
                else:
                    slot.succeed(value)

    def _housekeep(self) -> None:
        """After a commit, with the write lock held: retire dropped databases and grow the
        map ahead of need, but only if no transaction is open right now. Neither may wait
        for readers (a backup can read for minutes); what cannot be done now is done after
        a later commit."""
        if not self._retiring and not self._nearly_full():
            return
        if not self._gate.try_exclusive():
            return
        try:
            if self._retiring:
                self._retire_now(sorted(self._retiring))
                self._retiring.clear()
            if self._nearly_full():
                self._env.set_mapsize(min(self._env.info()["map_size"] * 2, MAX_MAP_SIZE))
        finally:
            self._gate.release()

    def _nearly_full(self) -> bool:
        info = self._env.info()
        used = (info["last_pgno"] + 1) * self._page_size
        return bool(used > info["map_size"] * 3 // 4 and info["map_size"] < MAX_MAP_SIZE)

    def _retire_now(self, names: list[bytes]) -> None:
        """Delete emptied databases and close their handles. Closing a handle under a
        reader is not allowed: called with the gate exclusive and the write lock held."""
        txn = self._env.begin(write=True)
        try:
            for name in names:
                handle = self._handles.pop(name, None)
                if handle is None and txn.get(name) is not None:
                    handle = self._env.open_db(name, txn=txn, create=False)
                if handle is not None:
                    txn.drop(handle, delete=True)
            txn.commit()
        except BaseException:
            txn.abort()
            raise

    def purge(self, keep: Callable[[bytes], bool]) -> None:
        """Delete every named database for which ``keep(name)`` is false.

        For start-up only (no other transaction of this process open): clears databases a
        crash left between a delete's commit and their retirement.
        """
        with self._write_lock:
            txn = self._env.begin(write=True)
            try:
                doomed = [bytes(key) for key, _ in txn.cursor() if not keep(bytes(key))]
                for name in doomed:
                    handle = self._handles.pop(name, None) or self._env.open_db(name, txn=txn, create=False)
                    txn.drop(handle, delete=True)
                txn.commit()
            except BaseException:
                txn.abort()
                raise

    def _begin(self, *, write: bool) -> Any:
        try:
            return self._env.begin(write=write)
        except lmdb.MapResizedError:
            # Another process grew the map: adopt its size once nothing is open here.
            self._gate.leave()
            try:
                with self._gate.exclusive():
                    self._env.set_mapsize(0)
            finally:
                self._gate.enter()
            return self._env.begin(write=write)

    def _grow(self) -> None:
        with self._gate.exclusive():
            current = self._env.info()["map_size"]
            if current >= MAX_MAP_SIZE:
                raise StorageError("the database has reached its maximum size")
            self._env.set_mapsize(min(current * 2, MAX_MAP_SIZE))

    # -- named databases ----------------------------------------------------------------

    def _handle(self, name: bytes, txn: Any, *, create: bool, pending: dict[bytes, Any]) -> Any | None:
        """Open the handle of a named database inside a write transaction.

        The handle is private to that transaction until it commits, so it is parked in
        ``pending`` and cached by ``write()`` only after the commit.
        """
        handle = self._handles.get(name)
        if handle is not None:
            return handle
        with self._open_lock:
            if not create and txn.get(name) is None:  # names are keys of the main database
                return None
            handle = self._env.open_db(name, txn=txn, create=create)
            pending[name] = handle
            return handle

    def ensure_handles(self, names: Iterable[bytes]) -> None:
        """Open (and cache) handles of existing named databases, for readers.

        Call outside any transaction: a read transaction only sees handles that were shared
        before it began, so readers must have their handles opened ahead of time (the
        catalog does this whenever it sees a new table). A short write transaction is used
        because committing it is what shares a handle (py-lmdb recycles read transactions
        instead of committing them).
        """
        names = [name for name in names if name not in self._handles]
        if not names:
            return
        with self._write_lock, self._open_lock, self._gate_entered():
            opener = self._begin(write=True)
            try:
                opened = {}
                for name in names:
                    if name not in self._handles and opener.get(name) is not None:
                        opened[name] = self._env.open_db(name, txn=opener, create=False)
                opener.commit()
            except BaseException:
                opener.abort()
                raise
            self._handles.update(opened)

    @contextmanager
    def _gate_entered(self) -> Iterator[None]:
        self._gate.enter()
        try:
            yield
        finally:
            self._gate.leave()

    # -- housekeeping -------------------------------------------------------------------

    @property
    def map_size(self) -> int:
        return int(self._env.info()["map_size"])

    def sync(self) -> None:
        """Force a flush to disk (useful in relaxed mode before a planned shutdown)."""
        self._env.sync(True)

    def close(self) -> None:
        if self._closed:
            return
        with self._write_lock, self._gate.exclusive():
            if self._retiring:
                self._retire_now(sorted(self._retiring))
            self._env.close()
            self._closed = True
