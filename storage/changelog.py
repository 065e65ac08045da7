"""Change logs: durable, ordered records per log, committed with the writes they record.

A *log* (one per DynamoDB stream) is an append-only sequence of records, each numbered
by one counter shared by every log of the data directory, so numbers only ever grow. The
records of a write go into the same LMDB transaction as the write itself: a crash keeps
both or neither. What a record or a log descriptor *means* belongs to ``streams/``; this
module stores them as opaque msgpack values.

Database ``changes``:

=================================  ===============================================
``n``                              the next sequence number (8 bytes, big-endian)
``d`` + log id                     the log's descriptor
``r`` + log id + seq (8 bytes BE)  a record (log ids are 16 bytes, so prefixes of
                                   different logs never overlap and records of a log
                                   sort by sequence number)
``c`` + consumer name              a consumer's saved position
=================================  ===============================================
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, Final

import msgpack

from storage.env import ReadTxn, WriteTxn
from storage.errors import StorageError

CHANGES_DB: Final = b"changes"
LOG_ID_SIZE: Final = 16
_NEXT: Final = b"n"
_DESCRIPTOR: Final = b"d"
_RECORD: Final = b"r"
_CONSUMER: Final = b"c"
_SEQ = struct.Struct(">Q")


def _pack(value: Any) -> bytes:
    return bytes(msgpack.packb(value, use_bin_type=True))


def _unpack(raw: Any) -> Any:
    return msgpack.unpackb(raw, raw=False, use_list=True)


def _record_key(log_id: bytes, seq: int) -> bytes:
    if len(log_id) != LOG_ID_SIZE:
        raise StorageError(f"a log id is {LOG_ID_SIZE} bytes")
    return _RECORD + log_id + _SEQ.pack(seq)


class LogReader:
    """Read access to the change logs inside one transaction."""

    __slots__ = ("_db", "_txn")

    def __init__(self, txn: ReadTxn) -> None:
        self._txn = txn
        self._db = txn.db(CHANGES_DB)

    def descriptor(self, log_id: bytes) -> Any | None:
        raw = self._txn.get(self._db, _DESCRIPTOR + log_id)
        return None if raw is None else _unpack(raw)

    def descriptors(self) -> Iterator[tuple[bytes, Any]]:
        """Every log's (id, descriptor), in id order."""
        cursor = self._txn.cursor(self._db)
        if cursor.set_range(_DESCRIPTOR):
            for key, raw in cursor:
                if not key.startswith(_DESCRIPTOR):
                    break
                yield bytes(key[1:]), _unpack(raw)

    def records(self, log_id: bytes, first: int, last: int | None = None) -> Iterator[tuple[int, Any]]:
        """(seq, record) of a log with ``first <= seq <= last``, in order."""
        prefix = _RECORD + log_id
        cursor = self._txn.cursor(self._db)
        if not cursor.set_range(_record_key(log_id, first)):
            return
        for key, raw in cursor:
            if not key.startswith(prefix):
                return
            seq = _SEQ.unpack_from(key, len(prefix))[0]
            if last is not None and seq > last:
                return
            yield seq, _unpack(raw)

    def last_sequence(self) -> int:
        """The last sequence number handed out (0 before the first)."""
        raw = self._txn.get(self._db, _NEXT)
        return 0 if raw is None else int(_SEQ.unpack(raw)[0]) - 1

    def consumer(self, name: str) -> Any | None:
        raw = self._txn.get(self._db, _CONSUMER + name.encode())
        return None if raw is None else _unpack(raw)


class LogWriter(LogReader):
    """Write access to the change logs inside one write transaction."""

    __slots__ = ()

    _txn: WriteTxn

    def next_sequence(self) -> int:
        """Hand out the next sequence number."""
        raw = self._txn.get(self._db, _NEXT)
        seq = 1 if raw is None else int(_SEQ.unpack(raw)[0])
        self._txn.put(self._db, _NEXT, _SEQ.pack(seq + 1))
        return seq

    def save_descriptor(self, log_id: bytes, descriptor: Any) -> None:
        self._txn.put(self._db, _DESCRIPTOR + log_id, _pack(descriptor))

    def append(self, log_id: bytes, record: Any) -> int:
        """Add a record at the end of a log; its sequence number."""
        seq = self.next_sequence()
        self._txn.put(self._db, _record_key(log_id, seq), _pack(record))
        return seq

    def delete_records(self, log_id: bytes, before: int | None = None, limit: int | None = None) -> int:
        """Delete a log's oldest records, numbered below ``before`` (None: all), at most
        ``limit`` of them; how many."""
        prefix = _RECORD + log_id
        cursor = self._txn.cursor(self._db)
        doomed: list[bytes] = []
        if cursor.set_range(prefix):
            for key, _ in cursor:
                if not key.startswith(prefix) or len(doomed) == limit:
                    break
                if before is not None and _SEQ.unpack_from(key, len(prefix))[0] >= before:
                    break
                doomed.append(bytes(key))
        for key in doomed:
            self._txn.delete(self._db, key)
        return len(doomed)

    def delete_descriptor(self, log_id: bytes) -> None:
        """Forget a log (its records must have been deleted first)."""
        self._txn.delete(self._db, _DESCRIPTOR + log_id)

    def save_consumer(self, name: str, position: Any) -> None:
        self._txn.put(self._db, _CONSUMER + name.encode(), _pack(position))
