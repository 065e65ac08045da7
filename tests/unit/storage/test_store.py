"""The LMDB environment and the store: transactions, hooks, map growth, catalog sharing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storage.catalog import IndexDef, KeyAttribute, KeySchema, TableDef, pack_table, unpack_table
from storage.env import Environment
from storage.errors import CorruptStore
from storage.store import Store, WriteView
from storage.values import item_size

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "N"))


def make_table(name: str = "t", table_id: str = "id-1") -> TableDef:
    index = IndexDef("by-x", "GSI", KeySchema(KeyAttribute("x", "S")), "INCLUDE", ("a", "b"))
    return TableDef("us-east-1", name, table_id, SCHEMA, (index,), {"note": "opaque"})


def put(view: WriteView, table: TableDef, item: dict) -> None:  # type: ignore[type-arg]
    key = table.key_schema.primary_key(item)
    view.put(table, key, item, item_size(item), view.get(table, key))


def test_table_record_round_trip() -> None:
    # Catalog records keep keys, indexes and the dynamo layer's metadata.
    table = make_table()
    assert unpack_table(pack_table(table)) == table


def test_items_and_statistics(tmp_path: Path) -> None:
    # Puts, overwrites and deletes keep the item count and byte size exact.
    store = Store(tmp_path)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    a = {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "xx"}}
    b = {"pk": {"S": "b"}, "sk": {"N": "2"}}
    store.write(lambda v: (put(v, table, a), put(v, table, b)))
    with store.read() as view:
        assert view.item_count(table) == 2
        assert view.size_bytes(table) == item_size(a) + item_size(b)
        assert view.get_item(table, {"pk": {"S": "a"}, "sk": {"N": "1"}}) == (a, item_size(a))

    def remove(v: WriteView) -> None:
        key = table.key_schema.primary_key(a)
        v.delete(table, key, v.get(table, key))  # type: ignore[arg-type]

    store.write(remove)
    with store.read() as view:
        assert view.item_count(table) == 1 and view.size_bytes(table) == item_size(b)
    store.close()


def test_failed_write_changes_nothing(tmp_path: Path) -> None:
    # An exception inside a write transaction aborts all of it, and no after-commit hook runs.
    store = Store(tmp_path)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    ran: list[str] = []

    def failing(v: WriteView) -> None:
        put(v, table, {"pk": {"S": "a"}, "sk": {"N": "1"}})
        v.after_commit(lambda: ran.append("hook"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(failing)
    with store.read() as view:
        assert view.item_count(table) == 0 and view.size_bytes(table) == 0
    assert ran == []
    store.write(lambda v: v.after_commit(lambda: ran.append("hook")))
    assert ran == ["hook"]
    store.close()


def test_map_grows_automatically(tmp_path: Path) -> None:
    # Writing past the map size grows the map and retries the transaction.
    store = Store(tmp_path, map_size=1 << 20)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    big = "x" * 4000
    store.write(
        lambda v: [
            put(v, table, {"pk": {"S": f"k{i}"}, "sk": {"N": "1"}, "d": {"S": big}}) for i in range(1000)
        ]
    )
    assert store.env.map_size > 1 << 20
    with store.read() as view:
        assert view.item_count(table) == 1000
    store.close()


def test_format_version_is_checked(tmp_path: Path) -> None:
    # A data directory written by an incompatible format is refused, not misread.
    import msgpack

    env = Environment(tmp_path)
    env.write(lambda txn: txn.put(txn.create_db(b"catalog"), b"format", msgpack.packb(999)))
    env.close()
    with pytest.raises(CorruptStore):
        Store(tmp_path)


def test_dropped_table_reads_as_gone(tmp_path: Path) -> None:
    # Deleting a table drops its databases and its catalog record together.
    store = Store(tmp_path)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    store.write(lambda v: put(v, table, {"pk": {"S": "a"}, "sk": {"N": "1"}}))
    store.write(lambda v: v.delete_table(table))
    with store.read() as view:
        assert view.table("us-east-1", "t") is None and view.table_names("us-east-1") == []
    again = make_table(table_id="id-2")
    store.write(lambda v: v.create_table(again))
    with store.read() as view:
        assert view.item_count(again) == 0
    store.close()


def test_catalog_changes_from_another_process_are_seen(tmp_path: Path) -> None:
    # A second process creating a table and writing an item is visible here without reopening.
    store = Store(tmp_path)
    with store.read() as view:
        assert view.table_names("us-east-1") == []
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        sys.path.insert(0, {str(ROOT / "tests" / "unit" / "storage")!r})
        from test_store import make_table, put
        from storage.store import Store
        store = Store({str(tmp_path)!r})
        table = make_table("other", "id-9")
        store.write(lambda v: v.create_table(table))
        store.write(lambda v: put(v, table, {{"pk": {{"S": "a"}}, "sk": {{"N": "1"}}}}))
        store.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
    with store.read() as view:
        table = view.table("us-east-1", "other")
        assert table is not None
        assert view.get_item(table, {"pk": {"S": "a"}, "sk": {"N": "1"}}) is not None
    store.close()


def test_digest_collision_reads_as_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Keys hold a digest of the partition key; the stored key is compared, so a collision is never a wrong item.
    import storage.catalog as catalog

    monkeypatch.setattr(catalog, "partition_id", lambda tag, payload: b"\x00" * 16)
    store = Store(tmp_path)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    store.write(lambda v: put(v, table, {"pk": {"S": "a"}, "sk": {"N": "1"}}))
    with store.read() as view:
        assert view.get_item(table, {"pk": {"S": "b"}, "sk": {"N": "1"}}) is None
        assert view.get_item(table, {"pk": {"S": "a"}, "sk": {"N": "1"}}) is not None
    store.close()


def test_durability_modes_set_lmdb_flags(tmp_path: Path) -> None:
    # strict fsyncs data and meta pages at commit; relaxed skips only the meta-page fsync.
    strict = Environment(tmp_path / "strict")
    relaxed = Environment(tmp_path / "relaxed", durability="relaxed")
    assert strict._env.flags()["sync"] and strict._env.flags()["metasync"]
    assert relaxed._env.flags()["sync"] and not relaxed._env.flags()["metasync"]
    strict.close()
    relaxed.close()


def test_orphaned_databases_are_purged(tmp_path: Path) -> None:
    # Table databases without a catalog record (a crash after a delete's commit) are removed at open.
    store = Store(tmp_path)
    store.env.write(lambda txn: txn.create_db(b"t:orphan"))
    store.close()
    store = Store(tmp_path)
    with store.env.read() as txn:
        names = [bytes(k) for k, _ in txn.txn.cursor()]
    assert b"t:orphan" not in names and b"catalog" in names
    store.close()


def test_writers_publish_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # After a table is created, later writes do not reload the catalog from disk.
    store = Store(tmp_path)
    table = make_table()
    store.write(lambda v: v.create_table(table))
    loads: list[int] = []
    original = Store._load
    monkeypatch.setattr(Store, "_load", lambda self, txn: loads.append(1) or original(self, txn))
    for i in range(20):
        store.write(lambda v, i=i: put(v, table, {"pk": {"S": f"k{i}"}, "sk": {"N": "1"}}))
    with store.read() as view:
        assert view.item_count(table) == 20
    assert loads == []
    store.close()
