"""The source objects of an import (reference 14.3), read as a stream of entries.

An object is decompressed (GZIP, ZSTD or NONE), split into lines (DynamoDB JSON, Ion) or
rows (CSV), and each line into its items. An *entry* is one item found, or one error:
an item that cannot be imported is an error and reading goes on; a line that cannot be
read at all (not JSON, not a ``{"Item":...}`` object, bad compression) is one error and
ends the object, as DynamoDB abandons the rest of such a file.

Entries are numbered from 0 in each object (DynamoDB's ``itemIndex``; a CSV header is not
counted), and each carries the uncompressed bytes read for it, so an import can report
``ProcessedSizeBytes`` and resume after a restart by skipping the entries already done.
Nothing here holds more than one line in memory.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import zstandard

from dynamo import item_formats
from dynamo.item_formats import BadItem, BadLine
from storage.values import Item

CHUNK: Final = 1 << 20


@dataclass(slots=True)
class Entry:
    index: int  # position in the object, from 0
    size: int  # uncompressed bytes read for this entry
    item: Item | None  # the item, or None for an error
    error: str | None = None


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Counting:
    """A readable object that counts the (compressed) bytes read through it."""

    def __init__(self, raw: Readable) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def decompressed(raw: Readable, compression: str) -> Readable:
    source: Any = raw  # both decompressors need only read(); their stubs ask for more
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=source, mode="rb")
    if compression == "ZSTD":
        reader: Readable = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=True)
        return reader
    return raw


def _lines(stream: Readable) -> Iterator[bytes]:
    """The lines of a stream, each with its newline (the last may have none)."""
    rest = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def entries(
    raw: Readable,
    compression: str,
    input_format: str,
    csv_options: Mapping[str, Any],
    types: Mapping[str, str],
) -> Iterator[Entry]:
    """The entries of one object (``types``: key attribute types, for CSV columns)."""
    lines = _lines(decompressed(raw, compression))
    found = (
        _csv_entries(lines, csv_options, types)
        if input_format == "CSV"
        else _line_entries(lines, input_format)
    )
    index = 0
    try:
        for size, outcome in found:
            if isinstance(outcome, BadLine):
                yield Entry(index, size, None, str(outcome))
                return
            if isinstance(outcome, BadItem):
                yield Entry(index, size, None, str(outcome))
            else:
                yield Entry(index, size, outcome)
            index += 1
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
        # Not compressed as the request said: the object is one unreadable line.
        yield Entry(index, 0, None, f"The object cannot be decompressed as {compression}: {exc}")


Outcome = Item | BadItem | BadLine


def _line_entries(lines: Iterator[bytes], input_format: str) -> Iterator[tuple[int, Outcome]]:
    split: Callable[[bytes], list[Any]]
    convert: Callable[[Any], Item]
    if input_format == "ION":
        split, convert = item_formats.ion_items, item_formats.ion_item
    else:
        split, convert = item_formats.json_items, item_formats.json_item
    pending = 0  # bytes of blank lines, counted with the next entry
    for line in lines:
        if not line.strip():
            pending += len(line)
            continue
        size, pending = pending + len(line), 0
        try:
            found = split(line)
        except BadLine as exc:
            yield size, exc
            return
        for raw in found:
            try:
                yield size, convert(raw)
            except BadItem as exc:
                yield size, exc
            size = 0  # the line's bytes go with its first item


def _csv_entries(
    lines: Iterator[bytes], options: Mapping[str, Any], types: Mapping[str, str]
) -> Iterator[tuple[int, Outcome]]:
    read = 0  # bytes taken from ``lines`` so far

    def text() -> Iterator[str]:
        nonlocal read
        for line in lines:
            read += len(line)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                raise BadLine("The row is not UTF-8 text") from None

    rows = csv.reader(text(), delimiter=options.get("Delimiter", ","), strict=True)
    header: list[str] | None = options.get("HeaderList")
    counted = 0
    try:
        for row in rows:
            if header is None:
                header = row  # its bytes go with the first row
                continue
            if not row or row == [""]:
                continue  # a blank line is no row (its bytes go with the next one)
            size, counted = read - counted, read
            try:
                yield size, item_formats.csv_item(header, row, types)
            except BadItem as exc:
                yield size, exc
    except csv.Error as exc:
        yield read - counted, BadLine(f"The row is not valid CSV: {exc}")
    except BadLine as exc:
        yield read - counted, exc
