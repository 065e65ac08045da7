"""One bounded cache: least-recently-used eviction under a byte budget, and a time to live.

Entries hold encoded bytes (JSON text or msgpack, see ``dynamo.cache.layer``), so their
size is known exactly and a hit hands out a fresh copy by decoding. The recency order is an ``OrderedDict``; expiry times are kept
sorted (``sortedcontainers``), so expired entries are dropped from the front in order
instead of by scanning. ``ttl`` 0 means entries never time out (they leave by eviction or
invalidation), as DAX's ``record-ttl-millis`` 0 does.

Each entry belongs to a group (its table), so everything cached for a table can be dropped
at once without a scan: a table's query results in coherent mode, any entry of a dropped
table.

Not thread-safe by itself: :class:`dynamo.cache.layer.Cache` holds one lock around it.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final

from sortedcontainers import SortedDict

#: Bytes an entry costs beyond its value: its key, the entry object and the dictionary
#: slots that find it (measured with tracemalloc for 1-2 attribute keys, rounded up).
ENTRY_OVERHEAD: Final = 600
NEGATIVE: Final = b""  # the value of a negative entry (the item does not exist)


class _Members(set[Hashable]):
    """The keys of one group's entries (and the group's name, to drop it once empty)."""

    __slots__ = ("group",)

    def __init__(self, group: Hashable) -> None:
        super().__init__()
        self.group = group


@dataclass(slots=True)
class _Entry:
    value: bytes
    size: int
    expiry: tuple[float, int] | None  # its place in the expiry order (None: never expires)
    members: _Members  # its group's (shared, so an entry costs no group object of its own)


class BoundedCache:
    def __init__(self, name: str, max_bytes: int, ttl: float, clock: Callable[[], float]) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._expiry: SortedDict = SortedDict()  # (expires at, sequence) -> key
        self._sequence = itertools.count()
        self._groups: dict[Hashable, _Members] = {}
        self.bytes = 0
        self.hits = self.misses = self.evictions = self.expirations = self.invalidations = 0

    def get(self, key: Hashable) -> bytes | None:
        """The value (``NEGATIVE`` for a cached absence), or None on a miss."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        if entry.expiry is not None and entry.expiry[0] <= self._clock():
            self._remove(key, entry)
            self.expirations += 1
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.value

    def hit(self, key: Hashable) -> bytes | None:
        """``get`` for a hit path that may hold no lock: the value if the entry is there and
        fresh, else None (and nothing counted: the caller falls back to ``get``). Under the
        GIL each step is one atomic dictionary operation, so a concurrent eviction only
        makes this miss; the hit counter may lose an increment under contention
        (statistics only). Without a GIL, call it with the lock held."""
        entry = self._entries.get(key)
        if entry is None or (entry.expiry is not None and entry.expiry[0] <= self._clock()):
            return None
        try:
            self._entries.move_to_end(key)
        except KeyError:  # evicted meanwhile
            return None
        self.hits += 1
        return entry.value

    def put(self, key: Hashable, value: bytes, group: Hashable, key_size: int = 0) -> None:
        now = self._clock()
        self._drop_expired(now)
        old = self._entries.pop(key, None)
        if old is not None:
            self._forget(key, old)
        size = len(value) + key_size + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return  # larger than the whole cache: never cached
        expiry = None
        if self.ttl > 0:
            expiry = (now + self.ttl, next(self._sequence))
            self._expiry[expiry] = key
        members = self._groups.get(group)
        if members is None:
            members = self._groups[group] = _Members(group)
        members.add(key)
        self._entries[key] = _Entry(value, size, expiry, members)
        self.bytes += size
        while self.bytes > self.max_bytes:
            oldest, entry = self._entries.popitem(last=False)
            self._forget(oldest, entry)
            self.evictions += 1

    def expire(self) -> None:
        """Drop the entries whose time is up (lookups and insertions also do)."""
        self._drop_expired(self._clock())

    def invalidate(self, key: Hashable) -> bool:
        entry = self._entries.get(key)
        if entry is None:
            return False
        self._remove(key, entry)
        self.invalidations += 1
        return True

    def invalidate_group(self, group: Hashable) -> None:
        for key in list(self._groups.get(group, ())):
            self.invalidate(key)

    def clear(self) -> None:
        self.invalidations += len(self._entries)
        self._entries.clear()
        self._expiry.clear()
        self._groups.clear()
        self.bytes = 0

    def stats(self) -> dict[str, Any]:
        return {
            "Entries": len(self._entries),
            "SizeBytes": self.bytes,
            "MaxSizeBytes": self.max_bytes,
            "TtlSeconds": self.ttl,
            "Hits": self.hits,
            "Misses": self.misses,
            "Evictions": self.evictions,
            "Expirations": self.expirations,
            "Invalidations": self.invalidations,
        }

    # -- internals -------------------------------------------------------------------------

    def _remove(self, key: Hashable, entry: _Entry) -> None:
        del self._entries[key]
        self._forget(key, entry)

    def _forget(self, key: Hashable, entry: _Entry) -> None:
        """Account for an entry already taken out of ``_entries``."""
        self.bytes -= entry.size
        if entry.expiry is not None:
            self._expiry.pop(entry.expiry, None)
        members = entry.members
        members.discard(key)
        if not members:
            self._groups.pop(members.group, None)

    def _drop_expired(self, now: float) -> None:
        expiry = self._expiry
        while expiry:
            when, key = expiry.peekitem(0)
            if when[0] > now:
                return
            entry = self._entries.get(key)
            if entry is not None and entry.expiry == when:
                self._remove(key, entry)
                self.expirations += 1
            else:
                del expiry[when]
