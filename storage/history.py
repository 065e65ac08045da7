"""Item history for point-in-time recovery.

While PITR is on for a table, every write that changes an item also records, in the same
transaction, what the item was *before* the write. The state of the table at time T is
then: for each item changed after T, its image before the first such change; for every
other item, its current image. No base copy is needed when PITR is switched on, and
versions older than the recovery window are never needed again, so trimming is deleting
from the front.

Database ``h:<table id>``, keyed ``commit time (ms) || sequence number || primary key``
(big-endian, so entries sort by time, ties by the order of the writes); the value is the
stored form of the old item (see :mod:`storage.items`), or empty if there was none.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, Final

from storage import items
from storage.env import ReadTxn, WriteTxn
from storage.values import Item

_STAMP: Final = struct.Struct(">QQ")


def history_db_name(table_id: str) -> bytes:
    return b"h:" + table_id.encode()


def record(txn: WriteTxn, db: Any, time_ms: int, seq: int, key: bytes, old: tuple[Item, int] | None) -> None:
    value = b"" if old is None else items.pack(old[0], old[1])
    txn.put(db, _STAMP.pack(time_ms, seq) + key, value)


def changes_after(txn: ReadTxn, db: Any, time_ms: int) -> Iterator[tuple[bytes, bytes, int]]:
    """(primary key, reference of the image before the change, time of the change in ms)
    of every change made after ``time_ms``, oldest first. Images are read only when asked
    (:func:`image`), so a caller can remember many changes without holding their items."""
    cursor = txn.cursor(db)
    if not cursor.set_range(_STAMP.pack(time_ms + 1, 0)):
        return
    for key in cursor.iternext(values=False):
        yield bytes(key[_STAMP.size :]), bytes(key), _STAMP.unpack_from(key)[0]


def image(txn: ReadTxn, db: Any, reference: bytes) -> tuple[Item, int] | None:
    """The image a change recorded (None: the item did not exist before it)."""
    value = txn.get(db, reference)
    if value is None:
        raise KeyError(reference)
    return items.unpack(value) if value else None


def trim(txn: WriteTxn, db: Any, before_ms: int, limit: int) -> int:
    """Delete up to ``limit`` entries of changes made before ``before_ms``; how many."""
    cursor = txn.cursor(db)
    doomed: list[bytes] = []
    if cursor.first():
        for key, _ in cursor:
            if len(doomed) == limit or _STAMP.unpack_from(key)[0] >= before_ms:
                break
            doomed.append(bytes(key))
    for key in doomed:
        txn.delete(db, key)
    return len(doomed)


def last(txn: ReadTxn, db: Any) -> bytes | None:
    """The key of the newest entry (a cheap "has anything changed since?" check)."""
    cursor = txn.cursor(db)
    return bytes(cursor.key()) if cursor.last() else None
