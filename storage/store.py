"""The storage engine's front door: catalog-aware read and write views over LMDB.

``Store.read()`` yields a :class:`ReadView` over one consistent snapshot; ``Store.write(fn)``
runs ``fn`` with a :class:`WriteView` inside one LMDB write transaction. Everything a write
touches (the item, its size statistics and, as features land, index entries and change
records) goes through that one view, so it commits or aborts as a unit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import msgpack

from storage import changelog, expiring, history, indexes, items, records
from storage.catalog import (
    CATALOG_DB,
    FORMAT_KEY,
    FORMAT_VERSION,
    GENERATION_KEY,
    IndexDef,
    TableDef,
    all_tables_prefix,
    collection_key,
    index_stats_id,
    pack_generation,
    pack_table,
    stats_key,
    table_record_key,
    unpack_generation,
    unpack_table,
)
from storage.env import DEFAULT_MAP_SIZE, DEFAULT_MAX_DBS, Durability, Environment, ReadTxn, WriteTxn
from storage.env import _Reading as _EnvReading
from storage.errors import CorruptStore, TooManyDatabases
from storage.indexes import IndexWrite
from storage.keycodec import MAX_SORT_PART, PID_SIZE, encode
from storage.ranges import Position, entries
from storage.values import Item, item_size

T = TypeVar("T")
# Key lengths beyond which a key is an overflow key (see storage.keycodec / storage.ranges).
TABLE_GROUP = PID_SIZE + MAX_SORT_PART
INDEX_OVERFLOW = TABLE_GROUP + indexes.TABLE_KEY_DIGEST
StoredItem = tuple[Item, int]  # (item, size)
# The databases that are not tables or indexes.
SYSTEM_DBS = (CATALOG_DB, expiring.EXPIRING_DB, changelog.CHANGES_DB)
Tables = dict[tuple[str, str], TableDef]


#: What a commit changed, for those watching (a cache): each item write as (table, item
#: before, item after; None for none), and each table created, replaced or dropped.
ItemChanges = list[tuple[TableDef, Item | None, Item | None]]
TableChanges = dict[tuple[str, str], TableDef | None]
CommitListener = Callable[[ItemChanges, TableChanges], None]


@dataclass(frozen=True, slots=True)
class Catalog:
    """A published catalog: every handle it needs was opened before it was published, so
    it is usable by any transaction that begins afterwards."""

    generation: int
    tables: Tables


class Store:
    """A data directory: one LMDB environment, its catalog, its tables."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        durability: Durability = "strict",
        map_size: int = DEFAULT_MAP_SIZE,
        max_dbs: int = DEFAULT_MAX_DBS,
    ) -> None:
        self.env = Environment(path, durability=durability, map_size=map_size, max_dbs=max_dbs)
        self.path = self.env.path
        self.max_dbs = max_dbs
        self._catalog = Catalog(-1, {})
        self._listeners: list[CommitListener] = []
        self._reload_lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self.env.write(self._initialise)
        self._purge_orphans()
        self._reload()

    def _purge_orphans(self) -> None:
        """Delete table/index databases no catalog record refers to (a crash between a
        delete's commit and the retirement of its databases leaves them behind)."""
        with self.env.read() as txn:
            tables, _ = self._load(txn)
        wanted = set(SYSTEM_DBS) | set(_db_names(tables))
        self.env.purge(lambda name: name in wanted or not name.startswith((b"t:", b"i:", b"h:")))

    def _initialise(self, txn: WriteTxn) -> None:
        for name in SYSTEM_DBS:
            txn.create_db(name)
        catalog = txn.db(CATALOG_DB)
        raw = txn.get(catalog, FORMAT_KEY)
        if raw is None:
            txn.put(catalog, FORMAT_KEY, msgpack.packb(FORMAT_VERSION))
            txn.put(catalog, GENERATION_KEY, pack_generation(0))
        elif msgpack.unpackb(raw) != FORMAT_VERSION:
            raise CorruptStore(
                f"{self.path} holds format {msgpack.unpackb(raw)}; this version reads {FORMAT_VERSION}"
            )

    # -- catalog cache ------------------------------------------------------------------

    def _load(self, txn: ReadTxn) -> tuple[Tables, int]:
        catalog = txn.db(CATALOG_DB)
        generation = unpack_generation(txn.get(catalog, GENERATION_KEY))
        tables: dict[tuple[str, str], TableDef] = {}
        prefix = all_tables_prefix()
        cursor = txn.cursor(catalog)
        if cursor.set_range(prefix):
            for key, value in cursor:
                if not key.startswith(prefix):
                    break
                table = unpack_table(value)
                tables[(table.region, table.name)] = table
        return tables, generation

    def _reload(self) -> None:
        with self._reload_lock:  # one reload at a time (they would all do the same work)
            with self.env.read() as txn:
                tables, generation = self._load(txn)
            if generation <= self._catalog.generation:
                return  # someone published this (or a newer) catalog meanwhile
            # Handles first: a reader must never see a table whose handle is not open yet.
            self.env.ensure_handles(_db_names(tables))
            self._publish(Catalog(generation, tables))

    def _publish(self, catalog: Catalog) -> None:
        # A leaf lock: taken by the writer (holding the write lock) and by reloads (which
        # may wait for the write lock), so it must never wait for anything itself.
        with self._publish_lock:
            if catalog.generation > self._catalog.generation:
                self._catalog = catalog

    @staticmethod
    def _generation_of(txn: ReadTxn) -> int:
        return unpack_generation(txn.get(txn.db(CATALOG_DB), GENERATION_KEY))

    # -- views --------------------------------------------------------------------------

    def read(self) -> _Reading:
        """A consistent snapshot of every table, for the duration of the ``with`` block."""
        return _Reading(self)

    @property
    def catalog_generation(self) -> int:
        """The generation of the catalog this process last saw: it moves whenever a table
        is created, changed or dropped, so plans derived from table definitions can be
        cached under it."""
        return self._catalog.generation

    def listen(self, listener: CommitListener) -> Callable[[], None]:
        """Call ``listener`` after every commit of this process, in commit order (it runs
        with the write lock held, so it must be quick; a grouped write's listeners run on
        the thread leading the group, in the writer's context); returns how to stop."""
        self._listeners = [*self._listeners, listener]

        def stop() -> None:
            self._listeners = [fn for fn in self._listeners if fn is not listener]

        return stop

    def write(self, fn: Callable[[WriteView], T], *, grouped: bool = False) -> T:
        """Run ``fn`` in one write transaction; everything it does commits together.

        ``grouped`` (item writes): the commit may be shared with other threads' grouped
        writes, one fsync for all (see ``Environment.write``)."""

        def run(txn: WriteTxn) -> T:
            catalog = self._catalog
            generation = self._generation_of(txn)
            stale = generation != catalog.generation
            if stale:
                # Another process changed the catalog: work from what this transaction reads,
                # opening every handle in it (shared at commit) so the result can be published.
                tables, generation = self._load(txn)
                for name in _db_names(tables):
                    txn.db(name)
                catalog = Catalog(generation, tables)
            view = WriteView(self, catalog.tables, txn)
            result = fn(view)
            view._flush()
            if stale or view._changed:
                txn.after_commit(lambda: self._publish(view._catalog_after(catalog)))
            listeners = self._listeners
            if listeners and (view._item_changes or view._changed):
                item_changes, table_changes = view._item_changes, dict(view._changed)

                def notify() -> None:
                    for listener in listeners:
                        listener(item_changes, table_changes)

                txn.after_commit(notify)
            return result

        return self.env.write(run, grouped=grouped)

    def close(self) -> None:
        self.env.close()


class _Reading:
    """``with store.read() as view`` (a plain class: it is on every read's path)."""

    __slots__ = ("_reading", "_store")

    _reading: _EnvReading

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> ReadView:
        store = self._store
        while True:
            catalog = store._catalog  # taken before the transaction begins (see Catalog)
            reading = store.env.read()
            txn = reading.__enter__()
            if store._generation_of(txn) == catalog.generation:
                self._reading = reading
                return ReadView(catalog.tables, txn)
            reading.__exit__(None, None, None)
            store._reload()  # outside the transaction: new tables need their handles first

    def __exit__(self, *exc_info: object) -> None:
        self._reading.__exit__(*exc_info)


class ReadView:
    """Read access to the catalog and items inside one transaction."""

    __slots__ = ("_tables", "_txn")

    def __init__(self, tables: dict[tuple[str, str], TableDef], txn: ReadTxn) -> None:
        self._tables = tables
        self._txn = txn

    def table(self, region: str, name: str) -> TableDef | None:
        return self._tables.get((region, name))

    def table_names(self, region: str) -> list[str]:
        return sorted(name for (r, name) in self._tables if r == region)

    def tables(self) -> list[TableDef]:
        return list(self._tables.values())

    def _db(self, table: TableDef) -> Any:
        handle = self._txn.db(table.db_name)
        if handle is None:
            raise CorruptStore(f"table {table.name} has no database {table.db_name!r}")
        return handle

    def get(self, table: TableDef, key: bytes) -> StoredItem | None:
        """The item stored under primary-key bytes ``key`` (see ``get_item``)."""
        raw = self._txn.get(self._db(table), key)
        return None if raw is None else items.unpack(raw)

    def get_item(self, table: TableDef, key: Item) -> StoredItem | None:
        """The item with these key attributes, or None.

        Keys hold a digest of the partition key, so the stored item's own key attributes
        are compared: a (vanishingly unlikely) digest collision reads as "no such item".
        """
        schema = table.key_schema
        stored = self.get(table, schema.primary_key(key))
        if stored is not None and not schema.same_key(stored[0], key):
            return None
        return stored

    def items(self, table: TableDef) -> Iterator[StoredItem]:
        """Every item of a table in primary-key order (partition-hash order)."""
        for _, item, size in self.table_entries(table, None, None):
            yield item, size

    def table_entries(
        self,
        table: TableDef,
        lo: bytes | None,
        hi: bytes | None,
        *,
        reverse: bool = False,
        after: Position | None = None,
    ) -> Iterator[tuple[bytes, Item, int]]:
        """Items with ``lo <= primary key < hi`` in DynamoDB's order: (key, item, size)."""
        schema = table.key_schema
        sort = schema.range

        def order_of(key: bytes, raw: Any) -> bytes:
            assert sort is not None  # only sort keys overflow
            item = items.unpack(raw)[0]
            return encode(sort.type, item[sort.name][sort.type])

        cursor = self._txn.cursor(self._db(table))
        for key, raw in entries(
            cursor,
            lo,
            hi,
            overflow_at=TABLE_GROUP,
            group_prefix=TABLE_GROUP,
            order_of=order_of,
            reverse=reverse,
            after=after,
        ):
            item, size = items.unpack(raw)
            yield key, item, size

    def raw_items(self, table: TableDef, after: bytes | None = None) -> Iterator[tuple[bytes, Item, int]]:
        """Every item in stored-key order from just after ``after``: (key, item, size).

        Not DynamoDB's order (overflow groups are not re-sorted), but a stable one a
        resumable sweep can continue from.
        """
        cursor = self._txn.cursor(self._db(table))
        found = cursor.set_range(after) if after is not None else cursor.first()
        if not found:
            return
        if after is not None and cursor.key() == after and not cursor.next():
            return
        for key, raw in cursor:
            item, size = items.unpack(raw)
            yield bytes(key), item, size

    def index_entries(
        self,
        table: TableDef,
        index: IndexDef,
        lo: bytes | None,
        hi: bytes | None,
        *,
        reverse: bool = False,
        after: Position | None = None,
    ) -> Iterator[tuple[bytes, bytes, Item, int]]:
        """Index entries in DynamoDB's order: (entry key, table key, projected item, size)."""
        sort = index.key_schema.range

        def order_of(key: bytes, raw: Any) -> bytes:
            assert sort is not None
            projected = indexes.unpack_entry(raw)[1]
            return encode(sort.type, projected[sort.name][sort.type]) + key[-indexes.TABLE_KEY_DIGEST :]

        cursor = self._txn.cursor(self._index_db(table, index))
        for key, raw in entries(
            cursor,
            lo,
            hi,
            overflow_at=INDEX_OVERFLOW,
            group_prefix=TABLE_GROUP,
            order_of=order_of,
            reverse=reverse,
            after=after,
        ):
            table_key, projected, size = indexes.unpack_entry(raw)
            yield key, table_key, projected, size

    def _index_db(self, table: TableDef, index: IndexDef) -> Any:
        handle = self._txn.db(table.index_db_name(index.name))
        if handle is None:
            raise CorruptStore(f"index {index.name} of {table.name} has no database")
        return handle

    @property
    def logs(self) -> changelog.LogReader:
        """The change logs (streams), read in this view's transaction."""
        return changelog.LogReader(self._txn)

    # -- small records (see storage.records) ----------------------------------------------

    def record(self, kind: str, key: str) -> Any | None:
        return records.get(self._txn, kind, key)

    def records(self, kind: str) -> Iterator[tuple[str, Any]]:
        return records.scan(self._txn, kind)

    # -- item history (see storage.history) -----------------------------------------------

    def last_change(self, table: TableDef) -> bytes | None:
        """The newest entry of a table's history (None: none, or no history kept)."""
        db = self._txn.db(history.history_db_name(table.table_id))
        return None if db is None else history.last(self._txn, db)

    def has_history(self, table: TableDef) -> bool:
        return self._txn.db(history.history_db_name(table.table_id)) is not None

    def changes_after(self, table: TableDef, time_ms: int) -> Iterator[tuple[bytes, bytes, int]]:
        """(primary key, reference of its image before the change, the change's time in ms)
        of each change after ``time_ms``, oldest first (see :meth:`image_before`)."""
        return history.changes_after(self._txn, self._history_db(table), time_ms)

    def image_before(self, table: TableDef, reference: bytes) -> StoredItem | None:
        """The item as it was before the change ``reference`` names (None: it did not exist)."""
        return history.image(self._txn, self._history_db(table), reference)

    def _history_db(self, table: TableDef) -> Any:
        db = self._txn.db(history.history_db_name(table.table_id))
        if db is None:
            raise CorruptStore(f"table {table.name} keeps no history")
        return db

    def item_count(self, table: TableDef) -> int:
        return self._txn.entries(self._db(table))

    def size_bytes(self, table: TableDef) -> int:
        raw = self._txn.get(self._txn.db(CATALOG_DB), stats_key(table.table_id))
        return 0 if raw is None else int(msgpack.unpackb(raw))

    def index_item_count(self, table: TableDef, index: IndexDef) -> int:
        return self._txn.entries(self._index_db(table, index))

    def index_size_bytes(self, table: TableDef, index: IndexDef) -> int:
        raw = self._txn.get(self._txn.db(CATALOG_DB), stats_key(index_stats_id(table, index)))
        return 0 if raw is None else int(msgpack.unpackb(raw))

    def collection_size(self, table: TableDef, partition: bytes) -> int:
        """Bytes of one item collection (items of a partition and their LSI entries)."""
        raw = self._txn.get(self._txn.db(CATALOG_DB), collection_key(table.table_id, partition))
        return 0 if raw is None else int(msgpack.unpackb(raw))


class WriteView(ReadView):
    """Read and write access inside one write transaction."""

    __slots__ = ("_changed", "_collections", "_generation", "_item_changes", "_now", "_size_delta", "_store")

    _txn: WriteTxn

    def __init__(self, store: Store, tables: dict[tuple[str, str], TableDef], txn: WriteTxn) -> None:
        super().__init__(tables, txn)
        self._store = store
        self._size_delta: dict[str, int] = {}
        self._collections: dict[bytes, int] = {}
        self._generation = -1
        # Tables created, replaced or dropped in this transaction, seen by later reads in it.
        self._changed: dict[tuple[str, str], TableDef | None] = {}
        self._now: float | None = None
        # Item writes, for commit listeners (see Store.listen). Always kept (a few tuples):
        # a listener added while this transaction runs still learns what it changed.
        self._item_changes: ItemChanges = []

    def commit_time(self, clock: Callable[[], float]) -> float:
        """One time for everything this transaction records (history, change records), read
        from ``clock`` the first time it is asked for: a transaction happens at one instant."""
        if self._now is None:
            self._now = clock()
        return self._now

    def next_sequence(self) -> int:
        """The next number of the data directory's one increasing counter (orders records
        written in the same millisecond)."""
        return self.logs.next_sequence()

    def table(self, region: str, name: str) -> TableDef | None:
        key = (region, name)
        if key in self._changed:
            return self._changed[key]
        return self._tables.get(key)

    def table_names(self, region: str) -> list[str]:
        names = set(super().table_names(region))
        for (r, name), table in self._changed.items():
            if r == region:
                (names.add if table is not None else names.discard)(name)
        return sorted(names)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._txn.after_commit(callback)

    @property
    def logs(self) -> changelog.LogWriter:
        """The change logs (streams), written in this view's transaction."""
        return changelog.LogWriter(self._txn)

    def put_record(self, kind: str, key: str, value: Any) -> None:
        records.put(self._txn, kind, key, value)

    def delete_record(self, kind: str, key: str) -> None:
        records.delete(self._txn, kind, key)

    def start_history(self, table: TableDef) -> None:
        """Begin keeping a table's item history (point-in-time recovery)."""
        if not self.has_history(table):
            self._reserve(1)
            self._txn.create_db(history.history_db_name(table.table_id))

    def drop_history(self, table: TableDef) -> None:
        self._txn.drop_db(history.history_db_name(table.table_id))

    def record_version(
        self, table: TableDef, key: bytes, old: StoredItem | None, time_ms: int, seq: int
    ) -> None:
        """Remember what an item was before a write (kept while PITR is on)."""
        db = self._txn.db(history.history_db_name(table.table_id))
        if db is not None:
            history.record(self._txn, db, time_ms, seq, key, old)

    def trim_history(self, table: TableDef, before_ms: int, limit: int) -> int:
        db = self._txn.db(history.history_db_name(table.table_id))
        return 0 if db is None else history.trim(self._txn, db, before_ms, limit)

    # -- expiring records (see storage.expiring) ----------------------------------------

    def recall(self, name: bytes, now: float) -> bytes | None:
        """A short-lived record stored by ``remember`` in this or an earlier transaction."""
        return expiring.recall(self._txn, name, now)

    def remember(self, name: bytes, value: bytes, expires: float, now: float) -> None:
        """Store a record until ``expires``; it commits (or not) with this transaction."""
        expiring.remember(self._txn, name, value, expires, now)

    # -- items --------------------------------------------------------------------------

    def put(
        self,
        table: TableDef,
        key: bytes,
        item: Item,
        size: int,
        old: StoredItem | None,
        *,
        indexable: Callable[[IndexDef, Item], bool] | None = None,
    ) -> list[IndexWrite]:
        """Write an item and its index entries; ``old`` is what ``get`` returned for the key.

        ``indexable`` (restores) keeps an item out of the indexes it says no to, as an
        index's backfill skips items whose key values it cannot take. Returns how each
        index changed (for capacity accounting).
        """
        self._txn.put(self._db(table), key, items.pack(item, size))
        self._add_size(table.table_id, size - (old[1] if old is not None else 0))
        self._item_changes.append((table, None if old is None else old[0], item))
        return self._maintain(table, key, old, (item, size), indexable)

    def delete(self, table: TableDef, key: bytes, old: StoredItem) -> list[IndexWrite]:
        """Delete an item (and its index entries)."""
        self._txn.delete(self._db(table), key)
        self._add_size(table.table_id, -old[1])
        self._item_changes.append((table, old[0], None))
        return self._maintain(table, key, old, None)

    def _maintain(
        self,
        table: TableDef,
        key: bytes,
        old: StoredItem | None,
        new: StoredItem | None,
        indexable: Callable[[IndexDef, Item], bool] | None = None,
    ) -> list[IndexWrite]:
        if not table.indexes:
            return []
        writes = []
        collection_delta = (new[1] if new else 0) - (old[1] if old else 0)
        for index in table.indexes:
            before, after = old, new
            if indexable is not None:
                before = old if old is not None and indexable(index, old[0]) else None
                after = new if new is not None and indexable(index, new[0]) else None
            old_key, new_key, projected, new_size, report = indexes.plan(table, index, key, before, after)
            db = self._index_db(table, index)
            if old_key is not None and old_key != new_key:
                self._txn.delete(db, old_key)
            if new_key is not None and report.changed:
                assert projected is not None and new_size is not None
                self._txn.put(db, new_key, indexes.pack_entry(key, projected, new_size))
            size_delta = (report.new_size or 0) - (report.old_size or 0)
            self._add_size(index_stats_id(table, index), size_delta)
            if index.kind == "LSI":
                collection_delta += size_delta
            writes.append(report)
        if collection_delta and any(ix.kind == "LSI" for ix in table.indexes):
            partition = key[:PID_SIZE]
            ckey = collection_key(table.table_id, partition)
            self._collections[ckey] = self._collections.get(ckey, 0) + collection_delta
        return writes

    def collection_size(self, table: TableDef, partition: bytes) -> int:
        """Bytes of one item collection, this transaction's changes included."""
        pending = self._collections.get(collection_key(table.table_id, partition), 0)
        return super().collection_size(table, partition) + pending

    def _add_size(self, stats_id: str, delta: int) -> None:
        if delta:
            self._size_delta[stats_id] = self._size_delta.get(stats_id, 0) + delta

    def _flush(self) -> None:
        catalog = self._txn.db(CATALOG_DB)
        for stats_id, delta in self._size_delta.items():
            self._add_counter(catalog, stats_key(stats_id), delta)
        for key, delta in self._collections.items():
            self._add_counter(catalog, key, delta)
        self._size_delta.clear()
        self._collections.clear()

    def _add_counter(self, db: Any, key: bytes, delta: int) -> None:
        raw = self._txn.get(db, key)
        value = (0 if raw is None else int(msgpack.unpackb(raw))) + delta
        if value:
            self._txn.put(db, key, msgpack.packb(value))
        elif raw is not None:
            self._txn.delete(db, key)

    # -- tables -------------------------------------------------------------------------

    def create_table(self, table: TableDef) -> None:
        self._reserve(1 + len(table.indexes))
        self._txn.create_db(table.db_name)
        for index in table.indexes:
            self._txn.create_db(table.index_db_name(index.name))
        self.save_table(table)

    def save_table(self, table: TableDef) -> None:
        """Store (or replace) a table's catalog record."""
        self._txn.put(self._txn.db(CATALOG_DB), table_record_key(table.region, table.name), pack_table(table))
        self._changed[(table.region, table.name)] = table
        self._bump_generation()

    def delete_table(self, table: TableDef) -> None:
        catalog = self._txn.db(CATALOG_DB)
        self._txn.drop_db(table.db_name)
        self._txn.drop_db(history.history_db_name(table.table_id))
        for index in table.indexes:
            self._drop_index_data(table, index)
        self._txn.delete(catalog, table_record_key(table.region, table.name))
        self._txn.delete(catalog, stats_key(table.table_id))
        self._size_delta.pop(table.table_id, None)
        self._delete_prefix(catalog, collection_key(table.table_id, b""))
        self._changed[(table.region, table.name)] = None
        self._bump_generation()

    def add_index(self, table: TableDef, index: IndexDef, accept: Callable[[Item], bool]) -> TableDef:
        """Add an index to a table and fill it from the existing items (``accept`` filters
        the items DynamoDB would skip); returns the updated table definition."""
        updated = replace(table, indexes=(*table.indexes, index))
        self._reserve(1)
        db = self._txn.create_db(table.index_db_name(index.name))
        total = 0
        for key, item, size in self.table_entries(table, None, None):
            entry = indexes.entry_key(index.key_schema, item, key)
            if entry is None or not accept(item):
                continue
            projected = indexes.project(updated, index, item)
            projected_size = size if projected is item else item_size(projected)
            self._txn.put(db, entry, indexes.pack_entry(key, projected, projected_size))
            total += projected_size
        self._add_size(index_stats_id(updated, index), total)
        self.save_table(updated)
        return updated

    def drop_index(self, table: TableDef, index: IndexDef) -> TableDef:
        """Remove an index and its entries; returns the updated table definition."""
        self._drop_index_data(table, index)
        updated = replace(table, indexes=tuple(ix for ix in table.indexes if ix.name != index.name))
        self.save_table(updated)
        return updated

    def _drop_index_data(self, table: TableDef, index: IndexDef) -> None:
        self._txn.drop_db(table.index_db_name(index.name))
        stats_id = index_stats_id(table, index)
        self._txn.delete(self._txn.db(CATALOG_DB), stats_key(stats_id))
        self._size_delta.pop(stats_id, None)

    def _delete_prefix(self, db: Any, prefix: bytes) -> None:
        cursor = self._txn.cursor(db)
        found = cursor.set_range(prefix)
        while found and cursor.key().startswith(prefix):
            found = cursor.delete()

    def _bump_generation(self) -> None:
        catalog = self._txn.db(CATALOG_DB)
        self._generation = unpack_generation(self._txn.get(catalog, GENERATION_KEY)) + 1
        self._txn.put(catalog, GENERATION_KEY, pack_generation(self._generation))

    def _catalog_after(self, before: Catalog) -> Catalog:
        """The catalog this transaction committed (published by the store after commit)."""
        tables = dict(before.tables)
        for key, table in self._changed.items():
            if table is None:
                tables.pop(key, None)
            else:
                tables[key] = table
        return Catalog(max(self._generation, before.generation), tables)

    def _reserve(self, count: int) -> None:
        """Refuse a table or index that would not fit in the environment's ``max_dbs``
        (which also counts the store's own databases)."""
        if self._txn.open_databases() + count > self._store.max_dbs:
            capacity = self._store.max_dbs - len(SYSTEM_DBS)
            raise TooManyDatabases(
                f"this data directory holds at most {capacity} tables and indexes (max_dbs)"
            )


def _db_names(tables: Tables) -> list[bytes]:
    """The databases of these tables (history ones may not exist: openers skip those)."""
    names = [t.db_name for t in tables.values()]
    names += [t.index_db_name(ix.name) for t in tables.values() for ix in t.indexes]
    names += [history.history_db_name(t.table_id) for t in tables.values()]
    return names
