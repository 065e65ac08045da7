"""Small named records beside the catalog: backups, restore jobs, exports...

Each record has a *kind* and a key within it and holds a msgpack value owned by the
``dynamo`` layer. They live in the catalog database (so they commit with the catalog
changes they go with) under ``rec:<kind>\\0<key>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import msgpack

from storage.catalog import CATALOG_DB
from storage.env import ReadTxn, WriteTxn

_PREFIX: Final = b"rec:"


def _key(kind: str, key: str) -> bytes:
    return _PREFIX + kind.encode() + b"\x00" + key.encode()


def get(txn: ReadTxn, kind: str, key: str) -> Any | None:
    raw = txn.get(txn.db(CATALOG_DB), _key(kind, key))
    return None if raw is None else msgpack.unpackb(raw, raw=False)


def scan(txn: ReadTxn, kind: str) -> Iterator[tuple[str, Any]]:
    """Every record of a kind, in key order."""
    prefix = _PREFIX + kind.encode() + b"\x00"
    cursor = txn.cursor(txn.db(CATALOG_DB))
    if cursor.set_range(prefix):
        for key, raw in cursor:
            if not key.startswith(prefix):
                return
            yield bytes(key[len(prefix) :]).decode(), msgpack.unpackb(raw, raw=False)


def put(txn: WriteTxn, kind: str, key: str, value: Any) -> None:
    txn.put(txn.db(CATALOG_DB), _key(kind, key), msgpack.packb(value, use_bin_type=True))


def delete(txn: WriteTxn, kind: str, key: str) -> None:
    txn.delete(txn.db(CATALOG_DB), _key(kind, key))
