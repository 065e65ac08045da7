"""Snapshot files: a table's items written out of one read transaction (backups, restores).

A snapshot is a file of msgpack objects: a header (whatever the caller describes the
snapshot with), then ``[item, size]`` pairs, then a trailer with the item count, so a
truncated file is detected rather than restored from. It is written to a temporary name,
fsynced and renamed into place: a snapshot file that exists is complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, Final

import msgpack

from storage.errors import CorruptStore
from storage.values import Item

_BUFFER: Final = 1 << 20


def write(path: str, header: dict[str, Any], entries: Iterable[tuple[Item, int]]) -> tuple[int, int]:
    """Write a snapshot; (items written, bytes of file)."""
    temporary = f"{path}.partial"
    pack = msgpack.Packer(use_bin_type=True).pack
    count = 0
    with open(temporary, "wb", buffering=_BUFFER) as out:
        write_bytes = out.write
        write_bytes(pack(header))
        for entry in entries:
            write_bytes(pack(entry))
            count += 1
        write_bytes(pack({"end": True, "count": count}))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    _sync_directory(os.path.dirname(path) or ".")
    return count, os.path.getsize(path)


def read(path: str) -> tuple[dict[str, Any], Iterator[tuple[Item, int]]]:
    """A snapshot's header, and an iterator over its items (checked as it is consumed)."""
    handle = open(path, "rb", buffering=_BUFFER)  # noqa: SIM115 - closed by the iterator
    unpacker = msgpack.Unpacker(handle, raw=False, use_list=True, max_buffer_size=0)
    try:
        header = next(unpacker)
    except (StopIteration, ValueError) as exc:
        handle.close()
        raise CorruptStore(f"{path} is not a snapshot") from exc

    def entries() -> Iterator[tuple[Item, int]]:
        count = 0
        try:
            for obj in unpacker:
                if isinstance(obj, dict):  # the trailer (entries are lists)
                    if obj.get("count") != count:
                        raise CorruptStore(f"{path} is damaged")
                    return
                count += 1
                yield obj[0], obj[1]
            raise CorruptStore(f"{path} is truncated")
        finally:
            handle.close()

    return header, entries()


def _sync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
