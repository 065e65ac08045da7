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
from typing import Any, TypeVar

import msgpack

from storage import items
from storage.catalog import (
    CATALOG_DB,
    FORMAT_KEY,
    FORMAT_VERSION,
    GENERATION_KEY,
    TableDef,
    all_tables_prefix,
    pack_generation,
    pack_table,
    stats_key,
    table_record_key,
    unpack_generation,
    unpack_table,
)
from storage.env import DEFAULT_MAP_SIZE, DEFAULT_MAX_DBS, Durability, Environment, ReadTxn, WriteTxn
from storage.env import _Reading as _EnvReading
from storage.errors import CorruptStore
from storage.values import Item

T = TypeVar("T")
StoredItem = tuple[Item, int]  # (item, size)


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
        self._tables: dict[tuple[str, str], TableDef] = {}
        self._generation = -1
        self._reload_lock = threading.Lock()
        self.env.write(self._initialise)
        self._reload()

    def _initialise(self, txn: WriteTxn) -> None:
        catalog = txn.create_db(CATALOG_DB)
        raw = txn.get(catalog, FORMAT_KEY)
        if raw is None:
            txn.put(catalog, FORMAT_KEY, msgpack.packb(FORMAT_VERSION))
            txn.put(catalog, GENERATION_KEY, pack_generation(0))
        elif msgpack.unpackb(raw) != FORMAT_VERSION:
            raise CorruptStore(
                f"{self.path} holds format {msgpack.unpackb(raw)}; this version reads {FORMAT_VERSION}"
            )

    # -- catalog cache ------------------------------------------------------------------

    def _load(self, txn: ReadTxn) -> tuple[dict[tuple[str, str], TableDef], int]:
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
        with self._reload_lock:
            with self.env.read() as txn:
                tables, generation = self._load(txn)
            names = [t.db_name for t in tables.values()]
            names += [t.index_db_name(ix.name) for t in tables.values() for ix in t.indexes]
            # Handles first: a reader must never see a table whose handle is not open yet.
            self.env.ensure_handles(names)
            self._tables, self._generation = tables, generation

    def _current(self, txn: ReadTxn) -> bool:
        return unpack_generation(txn.get(txn.db(CATALOG_DB), GENERATION_KEY)) == self._generation

    # -- views --------------------------------------------------------------------------

    def read(self) -> _Reading:
        """A consistent snapshot of every table, for the duration of the ``with`` block."""
        return _Reading(self)

    def write(self, fn: Callable[[WriteView], T]) -> T:
        """Run ``fn`` in one write transaction; everything it does commits together."""

        def run(txn: WriteTxn) -> T:
            # Another process may have changed the catalog: this transaction then works from
            # what it reads itself (handles open lazily inside it); readers reload on their own.
            tables = self._tables if self._current(txn) else self._load(txn)[0]
            view = WriteView(self, tables, txn)
            result = fn(view)
            view._flush()
            return result

        return self.env.write(run)

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
            reading = store.env.read()
            txn = reading.__enter__()
            if store._current(txn):
                self._reading = reading
                return ReadView(store._tables, txn)
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
        cursor = self._txn.cursor(self._db(table))
        for _, raw in cursor:
            yield items.unpack(raw)

    def item_count(self, table: TableDef) -> int:
        return self._txn.entries(self._db(table))

    def size_bytes(self, table: TableDef) -> int:
        raw = self._txn.get(self._txn.db(CATALOG_DB), stats_key(table.table_id))
        return 0 if raw is None else int(msgpack.unpackb(raw))


class WriteView(ReadView):
    """Read and write access inside one write transaction."""

    __slots__ = ("_changed", "_size_delta", "_store")

    _txn: WriteTxn

    def __init__(self, store: Store, tables: dict[tuple[str, str], TableDef], txn: WriteTxn) -> None:
        super().__init__(tables, txn)
        self._store = store
        self._size_delta: dict[str, int] = {}
        # Tables created, replaced or dropped in this transaction, seen by later reads in it.
        self._changed: dict[tuple[str, str], TableDef | None] = {}

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

    # -- items --------------------------------------------------------------------------

    def put(self, table: TableDef, key: bytes, item: Item, size: int, old: StoredItem | None) -> None:
        """Write an item; ``old`` is what ``get`` returned for the same key (or None)."""
        self._txn.put(self._db(table), key, items.pack(item, size))
        self._add_size(table, size - (old[1] if old is not None else 0))

    def delete(self, table: TableDef, key: bytes, old: StoredItem) -> None:
        self._txn.delete(self._db(table), key)
        self._add_size(table, -old[1])

    def _add_size(self, table: TableDef, delta: int) -> None:
        if delta:
            self._size_delta[table.table_id] = self._size_delta.get(table.table_id, 0) + delta

    def _flush(self) -> None:
        catalog = self._txn.db(CATALOG_DB)
        for table_id, delta in self._size_delta.items():
            key = stats_key(table_id)
            raw = self._txn.get(catalog, key)
            current = 0 if raw is None else int(msgpack.unpackb(raw))
            self._txn.put(catalog, key, msgpack.packb(current + delta))
        self._size_delta.clear()

    # -- tables -------------------------------------------------------------------------

    def create_table(self, table: TableDef) -> None:
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
        for index in table.indexes:
            self._txn.drop_db(table.index_db_name(index.name))
        self._txn.delete(catalog, table_record_key(table.region, table.name))
        self._txn.delete(catalog, stats_key(table.table_id))
        self._size_delta.pop(table.table_id, None)
        self._changed[(table.region, table.name)] = None
        self._bump_generation()

    def _bump_generation(self) -> None:
        catalog = self._txn.db(CATALOG_DB)
        generation = unpack_generation(self._txn.get(catalog, GENERATION_KEY)) + 1
        self._txn.put(catalog, GENERATION_KEY, pack_generation(generation))
        store = self._store
        # The in-memory catalog is reloaded lazily by the next transaction that notices.
        self._txn.after_commit(lambda: setattr(store, "_generation", -1))
