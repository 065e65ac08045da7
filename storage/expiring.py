"""Short-lived records that commit with the writes they describe (idempotency tokens).

They live in their own database, keyed by name, each with an expiry time. A second key
space orders them by expiry, so every ``remember`` can also delete a few expired records
from its front: storage stays bounded without a background thread or a full scan.
"""

from __future__ import annotations

import struct
from typing import Final

import msgpack

from storage.env import ReadTxn, WriteTxn

EXPIRING_DB: Final = b"expiring"
_RECORD: Final = b"r"
_BY_EXPIRY: Final = b"x"
_SWEEP_PER_WRITE: Final = 8
_MS = struct.Struct(">Q")


def _expiry_key(expires: float, name: bytes) -> bytes:
    return _BY_EXPIRY + _MS.pack(int(expires * 1000)) + name


def recall(txn: ReadTxn, name: bytes, now: float) -> bytes | None:
    """The value remembered under ``name``, unless it has expired."""
    raw = txn.get(txn.db(EXPIRING_DB), _RECORD + name)
    if raw is None:
        return None
    expires, value = msgpack.unpackb(raw)
    return None if expires <= now else bytes(value)


def remember(txn: WriteTxn, name: bytes, value: bytes, expires: float, now: float) -> None:
    """Store ``value`` under ``name`` until ``expires`` (replacing an earlier record)."""
    db = txn.db(EXPIRING_DB)
    old = txn.get(db, _RECORD + name)
    if old is not None:
        txn.delete(db, _expiry_key(msgpack.unpackb(old)[0], name))
    txn.put(db, _RECORD + name, msgpack.packb([expires, value]))
    txn.put(db, _expiry_key(expires, name), b"")
    _sweep(txn, db, now)


def _sweep(txn: WriteTxn, db: object, now: float) -> None:
    """Delete up to a few records that expired before ``now``, oldest first."""
    cursor = txn.cursor(db)
    doomed: list[bytes] = []
    if cursor.set_range(_BY_EXPIRY):
        for key, _ in cursor:
            if not key.startswith(_BY_EXPIRY) or len(doomed) == _SWEEP_PER_WRITE:
                break
            if _MS.unpack_from(key, 1)[0] > now * 1000:
                break
            doomed.append(bytes(key))
    for key in doomed:
        txn.delete(db, key)
        txn.delete(db, _RECORD + key[1 + _MS.size :])


def count(txn: ReadTxn) -> int:
    """Records stored (expired ones not yet swept included); for tests and stats."""
    return txn.entries(txn.db(EXPIRING_DB)) // 2
