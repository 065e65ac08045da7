"""Snapshot files: a table's items written out of one read transaction (backups, restores).

A snapshot is a file of msgpack objects: a header (whatever the caller describes the
snapshot with), then ``[item, size]`` pairs, then a trailer with the item count, so a
truncated file is detected rather than restored from. It is written to a temporary name,
fsynced and renamed into place: a snapshot file that exists is complete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from typing import Any, Final

import msgpack

from storage.errors import CorruptStore
from storage.values import Item

_BUFFER: Final = 1 << 20
PARTIAL: Final = ".partial"  # the suffix of a snapshot being written


def write(path: str, header: dict[str, Any], entries: Iterable[tuple[Item, int]]) -> tuple[int, int]:
    """Write a snapshot; (items written, bytes of file)."""
    temporary = f"{path}{PARTIAL}"
    pack = msgpack.Packer(use_bin_type=True).pack
    count = 0
    try:
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
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
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


def header(path: str) -> dict[str, Any]:
    """A snapshot's header, after checking the file is complete (it ends with its trailer)."""
    head, entries = read(path)
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 64))
        tail = handle.read()
    entries.close()  # type: ignore[attr-defined]
    if b"end" not in tail:  # the trailer, {"end": true, "count": n}
        raise CorruptStore(f"{path} is truncated")
    return head


def _sync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
