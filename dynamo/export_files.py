"""The files of an export (reference 14.2), written to an object store.

Layout, under ``<prefix>/AWSDynamoDB/<export id>/``: an empty ``_started`` marker first,
then gzip-compressed data files under ``data/`` (one DynamoDB JSON or Ion line per item),
then ``manifest-files.json`` (one JSON line per data file: item count, MD5, ETag, key),
``manifest-summary.json`` and an ``.md5`` file beside each manifest. Incremental exports
put their data files in the shared ``<prefix>/AWSDynamoDB/data/`` folder instead.

Items are streamed: each data file is written to a temporary file while its MD5 is
computed, then stored; memory does not grow with the table.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import secrets
import tempfile
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


class _HashingFile:
    """A binary file that computes the MD5 of what is written to it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.md5 = hashlib.md5()

    def write(self, data: bytes) -> int:
        self.md5.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@dataclass
class DataFile:
    key: str
    items: int
    md5: bytes

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


def write_data(
    store: ObjectStore,
    bucket: str,
    folder: str,
    suffix: str,
    lines: Iterable[bytes],
    progress: Callable[[int], None] | None = None,
) -> Written:
    """Write ``lines`` to gzip data files under ``folder`` (at least one, possibly empty)."""
    written = Written()
    pending = iter(lines)
    while True:
        path, md5, count = _gzip(pending, written, progress)
        if count == 0 and written.files:
            os.remove(path)
            break
        key = join(folder, random_name() + suffix)
        store.put_file(bucket, key, path)
        written.files.append(DataFile(key, count, md5))
        written.items += count
        if count < ITEMS_PER_FILE:
            break
    return written


def _gzip(
    lines: Iterator[bytes], written: Written, progress: Callable[[int], None] | None
) -> tuple[str, bytes, int]:
    """Up to ITEMS_PER_FILE lines gzipped into a temporary file: (path, MD5, lines)."""
    count = 0
    handle, path = tempfile.mkstemp(prefix="dynamo-export-")
    try:
        with os.fdopen(handle, "wb") as raw:
            hashing = _HashingFile(raw)
            with gzip.GzipFile(fileobj=hashing, mode="wb", compresslevel=1, mtime=0) as out:
                for line in lines:
                    out.write(line)
                    written.bytes += len(line)
                    count += 1
                    if progress is not None and count % 1000 == 0:
                        progress(1000)
                    if count == ITEMS_PER_FILE:
                        break
        if progress is not None:
            progress(count % 1000)
        return path, hashing.md5.digest(), count
    except BaseException:
        os.remove(path)
        raise


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
