"""Ordered reads over a table's or an index's database.

``entries()`` walks an LMDB cursor between two key bounds, forwards or backwards,
optionally resuming after a given position. Keys are ordered by their bytes, which is the
true order except inside *overflow groups*: sort keys longer than 400 encoded bytes share
a 400-byte prefix and are then ordered by a digest (see ``storage.keycodec``). Such groups
are collected and re-sorted by the real order (``order_of``), so every caller sees
DynamoDB's order. Groups are rare and small; everything else streams.

A complete (non-overflow) key never falls inside a group's range, so comparing key bytes
is exact everywhere except between two members of the same group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Entry = tuple[bytes, Any]  # (key, raw value)
OrderOf = Callable[[bytes, Any], bytes]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a read resumes: the key bytes of the last entry seen and its real order."""

    key: bytes
    order: bytes


def _raw(cursor: Any, lo: bytes | None, hi: bytes | None, reverse: bool) -> Iterator[Entry]:
    if not reverse:
        found = cursor.set_range(lo) if lo is not None else cursor.first()
        while found:
            key = cursor.key()
            if hi is not None and key >= hi:
                return
            yield key, cursor.value()
            found = cursor.next()
    else:
        if hi is not None:
            found = cursor.prev() if cursor.set_range(hi) else cursor.last()
        else:
            found = cursor.last()
        while found:
            key = cursor.key()
            if lo is not None and key < lo:
                return
            yield key, cursor.value()
            found = cursor.prev()


def successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix``."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes((trimmed[-1] + 1,))


def entries(
    cursor: Any,
    lo: bytes | None,
    hi: bytes | None,
    *,
    overflow_at: int,
    group_prefix: int,
    order_of: OrderOf,
    reverse: bool = False,
    after: Position | None = None,
) -> Iterator[Entry]:
    """Entries with ``lo <= key < hi`` in true order (reversed if asked), after ``after``.

    Keys longer than ``overflow_at`` are overflow keys; consecutive ones sharing their
    first ``group_prefix`` bytes form a group, yielded sorted by ``order_of(key, value)``.
    """
    after_overflows = after is not None and len(after.key) > overflow_at
    if after is not None:
        if reverse:
            end = successor(after.key[:group_prefix]) if after_overflows else after.key
            if end is not None and (hi is None or end < hi):
                hi = end
        else:
            start = after.key[:group_prefix] if after_overflows else after.key
            if lo is None or start > lo:
                lo = start
    group: list[Entry] = []

    def flush() -> Iterator[Entry]:
        ranked = sorted(((order_of(k, v), k, v) for k, v in group), reverse=reverse)
        same = (
            after_overflows and after is not None and after.key[:group_prefix] == group[0][0][:group_prefix]
        )
        for order, key, value in ranked:
            if after is not None:
                if same:
                    if order >= after.order if reverse else order <= after.order:
                        continue
                elif key >= after.key if reverse else key <= after.key:
                    continue
            yield key, value

    for key, value in _raw(cursor, lo, hi, reverse):
        if len(key) > overflow_at:
            if group and group[0][0][:group_prefix] != key[:group_prefix]:
                yield from flush()
                group = []
            group.append((key, bytes(value)))  # values outlive the cursor position
            continue
        if group:
            yield from flush()
            group = []
        if after is not None and (key >= after.key if reverse else key <= after.key):
            continue
        yield key, value
    if group:
        yield from flush()
