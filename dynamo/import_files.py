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
from amazon.ion import simpleion

from dynamo import item_formats
from dynamo.item_formats import BadItem, BadLine
from storage.values import Item

CHUNK: Final = 1 << 20
#: The longest line read (an item is at most 400 KB, and its JSON a little more). Python's
#: csv module refuses fields over 128 KiB by default, less than an item may need; this
#: raises its (process-wide) limit.
MAX_LINE: Final = 4 << 20
csv.field_size_limit(MAX_LINE)


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
    """The lines of a stream, each with its newline (the last may have none). A line longer
    than MAX_LINE is unreadable (BadLine), so a file without newlines cannot fill memory;
    a UTF-8 byte order mark at the start (Excel writes one) is dropped."""
    pending = bytearray()
    first = True
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        start = len(pending)
        pending += chunk
        cut = 0
        end = pending.find(b"\n", start)
        while end != -1:
            yield bytes(pending[cut : end + 1])
            cut = end + 1
            end = pending.find(b"\n", cut)
        del pending[:cut]
        if len(pending) > MAX_LINE:
            raise BadLine(f"A line is longer than {MAX_LINE} bytes")
    if pending:
        yield bytes(pending)


def entries(
    raw: Readable,
    compression: str,
    input_format: str,
    csv_options: Mapping[str, Any],
    types: Mapping[str, str],
) -> Iterator[Entry]:
    """The entries of one object (``types``: key attribute types, for CSV columns)."""
    stream = decompressed(raw, compression)
    found: Iterator[tuple[int, Outcome]]
    if input_format == "CSV":
        found = _csv_entries(_lines(stream), csv_options, types)
    elif input_format == "ION":
        found = _ion_entries(stream)
    else:
        found = _json_entries(_lines(stream))
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


def _converted(convert: Callable[[Any], Item], raw: Any) -> Item | BadItem:
    try:
        return convert(raw)
    except BadItem as exc:
        return exc
    except (TypeError, ValueError, AttributeError) as exc:  # input no check foresaw: one bad item
        return BadItem(f"The item cannot be read: {exc}")


def _json_entries(lines: Iterator[bytes]) -> Iterator[tuple[int, Outcome]]:
    pending = 0  # bytes of blank lines, counted with the next entry
    try:
        for line in lines:
            if not line.strip():
                pending += len(line)
                continue
            size, pending = pending + len(line), 0
            try:
                found = item_formats.json_items(line)
            except BadLine as exc:
                yield size, exc
                return
            for raw in found:
                yield size, _converted(item_formats.json_item, raw)
                size = 0  # the line's bytes go with its first item
    except BadLine as exc:  # a line too long to read
        yield pending, exc


def _ion_entries(stream: Readable) -> Iterator[tuple[int, Outcome]]:
    """Ion values read from the stream whatever their layout (one ``{Item:...}`` per line,
    or a list of them over many lines); each entry counts the bytes read since the last."""
    counting = Counting(stream)
    values = simpleion.load(counting, single_value=False, parse_eagerly=False)
    counted = 0
    while True:
        try:
            value = next(values)
            found = item_formats.ion_item_structs(value)
        except StopIteration:
            return
        except BadLine as exc:
            yield counting.count - counted, exc
            return
        except (OSError, EOFError, zlib.error, zstandard.ZstdError):
            raise
        except Exception as exc:  # amazon.ion raises many kinds of errors for bad text
            yield counting.count - counted, BadLine(f"The Ion text cannot be read: {exc}")
            return
        for raw in found:
            size, counted = counting.count - counted, counting.count
            yield size, _converted(item_formats.ion_item, raw)


def _unquoted_field_quote(raw: str, delimiter: str) -> bool:
    """Whether a CSV record has a ``"`` inside a field that is not quoted, which RFC 4180
    (and DynamoDB) refuse but Python's csv module reads as a plain character."""
    at_start, quoted, i = True, False, 0
    while i < len(raw):
        char = raw[i]
        if quoted:
            if char == '"':
                if raw[i + 1 : i + 2] == '"':
                    i += 1  # an escaped quote
                else:
                    quoted = False
        elif char == delimiter or char in "\r\n":
            at_start = True
        elif char == '"':
            if not at_start:
                return True
            quoted, at_start = True, False
        else:
            at_start = False
        i += 1
    return False


def _csv_entries(
    lines: Iterator[bytes], options: Mapping[str, Any], types: Mapping[str, str]
) -> Iterator[tuple[int, Outcome]]:
    read = 0  # bytes taken from ``lines`` so far
    record: list[str] = []  # the text of the record being read

    def text() -> Iterator[str]:
        nonlocal read
        for line in lines:
            read += len(line)
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError:
                raise BadLine("The row is not UTF-8 text") from None
            record.append(decoded)
            yield decoded

    delimiter = options.get("Delimiter", ",")
    rows = csv.reader(text(), delimiter=delimiter, strict=True)
    header: list[str] | None = options.get("HeaderList")
    counted = 0
    try:
        for row in rows:
            raw = "".join(record)
            record.clear()
            if '"' in raw and _unquoted_field_quote(raw, delimiter):
                yield read - counted, BadLine('A field that is not quoted holds a quote (")')
                return
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
