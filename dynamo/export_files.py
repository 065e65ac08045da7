"""The files of an export (reference 14.2), written to an object store.

Layout, under ``<prefix>/AWSDynamoDB/<export id>/``: an empty ``_started`` marker first,
then gzip-compressed data files under ``data/`` (one DynamoDB JSON or Ion line per item),
then ``manifest-files.json`` (one JSON line per data file: item count, MD5, ETag, key),
``manifest-summary.json`` and an ``.md5`` file beside each manifest. Incremental exports
put their data files in the shared ``<prefix>/AWSDynamoDB/data/`` folder instead.

Items are streamed: each data file is written to a local file while its MD5 is computed,
then stored; memory does not grow with the table. Data files are gzip exactly as
DynamoDB writes them (Java's header, deflate level 6), so their MD5s and ETags are those
DynamoDB would give the same lines.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

import orjson

from dynamo.object_store import ObjectStore

ITEMS_PER_FILE: Final = 100_000


def random_name() -> str:
    """A data file's name: lowercase unpadded base32 of 16 random bytes, as DynamoDB's."""
    return base64.b32encode(secrets.token_bytes(16)).decode().lower().rstrip("=")


def join(*parts: str) -> str:
    """An object key from parts, without empty parts or doubled slashes."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


class _JavaGzip:
    """A gzip member exactly as DynamoDB's (Java) exporter writes one: a header with no
    time, flags, extra flags or OS (``1f8b 0800 00000000 0000``), deflate at the default
    level 6, then CRC-32 and size. The MD5 of the bytes written is kept as they go."""

    _HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x00"

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0
        self.md5 = hashlib.md5()
        self._out(self._HEADER)

    def _out(self, data: bytes) -> None:
        if data:
            self.md5.update(data)
            self._raw.write(data)

    def write(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._out(self._deflate.compress(data))

    def close(self) -> None:
        self._out(self._deflate.flush())
        self._out(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))


@dataclass
class DataFile:
    path: str  # the local file, until it is stored
    items: int
    md5: bytes
    key: str = ""  # its object key, once stored

    def manifest_line(self) -> bytes:
        return (
            orjson.dumps(
                {
                    "itemCount": self.items,
                    "md5Checksum": base64.b64encode(self.md5).decode(),
                    # DynamoDB uploads each file as one part of a multipart upload: S3's ETag for
                    # that is the MD5 of the part's MD5, then "-1".
                    "etag": hashlib.md5(self.md5).hexdigest() + "-1",
                    "dataFileS3Key": self.key,
                }
            )
            + b"\n"
        )


@dataclass
class Written:
    """What an export wrote."""

    files: list[DataFile] = field(default_factory=list)
    items: int = 0
    bytes: int = 0  # uncompressed bytes of the lines


def write_data(folder: str, lines: Iterable[bytes], progress: Callable[[int], None] | None = None) -> Written:
    """Write ``lines`` to gzip data files in the local ``folder`` (at least one, maybe empty).

    Nothing is uploaded here: an export reads its table from one LMDB snapshot, and that
    snapshot should not stay open while files travel to a remote store (:func:`upload`).
    """
    written = Written()
    pending = iter(lines)
    while True:
        data_file = _gzip(folder, pending, written, progress)
        if data_file.items == 0 and written.files:
            os.remove(data_file.path)
            break
        written.files.append(data_file)
        written.items += data_file.items
        if data_file.items < ITEMS_PER_FILE:
            break
    return written


def _gzip(
    folder: str, lines: Iterator[bytes], written: Written, progress: Callable[[int], None] | None
) -> DataFile:
    """Up to ITEMS_PER_FILE lines gzipped into a new file of ``folder``."""
    count = 0
    handle, path = tempfile.mkstemp(prefix="data-", dir=folder)
    with os.fdopen(handle, "wb") as raw:
        out = _JavaGzip(raw)
        for line in lines:
            out.write(line)
            written.bytes += len(line)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(1000)
            if count == ITEMS_PER_FILE:
                break
        out.close()
    if progress is not None:
        progress(count % 1000)
    return DataFile(path, count, out.md5.digest())


def upload(store: ObjectStore, bucket: str, folder: str, suffix: str, written: Written) -> None:
    """Store the data files under ``folder`` with DynamoDB-style random names."""
    for data_file in written.files:
        data_file.key = join(folder, random_name() + suffix)
        store.put_file(bucket, data_file.key, data_file.path)


def write_manifests(
    store: ObjectStore, bucket: str, folder: str, summary: dict[str, Any], files: list[DataFile]
) -> str:
    """manifest-files.json, manifest-summary.json and their .md5 files; the summary's key."""
    listing = b"".join(f.manifest_line() for f in files)
    files_key = join(folder, "manifest-files.json")
    summary_key = join(folder, "manifest-summary.json")
    document = orjson.dumps({**summary, "manifestFilesS3Key": files_key})
    for key, body in ((files_key, listing), (summary_key, document)):
        store.put_bytes(bucket, key, body)
        digest = base64.b64encode(hashlib.md5(body).digest())
        store.put_bytes(bucket, key.rsplit(".", 1)[0] + ".md5", digest)
    return summary_key
