"""Secondary-index entries: their keys, what they store, and how a write changes them.

Index entry key (in the index's own database)::

    pid(index pk) || sort_part(index sk) || digest8(table primary key)

The trailing digest makes entries unique when several items share index key values; the
order among them is the digest's (DynamoDB leaves it undefined too). An item missing any
index key attribute has no entry (sparse indexes). The entry's value is msgpack of
``[table primary key, projected item, projected size]``: the projection (ALL, KEYS_ONLY,
INCLUDE) is stored, so index reads need no table lookups unless they ask for more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

import msgpack

from storage.catalog import IndexDef, KeySchema, TableDef
from storage.keycodec import partition_id, sort_part
from storage.values import Item, item_size

TABLE_KEY_DIGEST: Final = 8


@dataclass(frozen=True, slots=True)
class IndexWrite:
    """How one write changed one index (for capacity accounting).

    ``old_size``/``new_size`` are the projected sizes of the entry before and after (None
    when there was none); ``moved`` says the entry's key changed; ``changed`` whether
    anything stored in the index changed at all.
    """

    index: str
    kind: str
    old_size: int | None
    new_size: int | None
    moved: bool
    changed: bool


def entry_key(schema: KeySchema, item: Item, table_key: bytes) -> bytes | None:
    """The index entry key for an item, or None when the item lacks an index key."""
    h = schema.hash
    hash_value = item.get(h.name)
    if hash_value is None or h.type not in hash_value:
        return None
    key = partition_id(h.type, hash_value[h.type])
    r = schema.range
    if r is not None:
        range_value = item.get(r.name)
        if range_value is None or r.type not in range_value:
            return None
        key += sort_part(r.type, range_value[r.type])
    return key + hashlib.blake2b(table_key, digest_size=TABLE_KEY_DIGEST).digest()


def key_names(table: TableDef, index: IndexDef) -> tuple[str, ...]:
    """Attributes every entry of the index carries: the index keys and the table keys."""
    names = list(index.key_schema.names)
    names += [n for n in table.key_schema.names if n not in names]
    return tuple(names)


def projected_names(table: TableDef, index: IndexDef) -> tuple[str, ...] | None:
    """The attributes an index stores, or None for ALL."""
    if index.projection == "ALL":
        return None
    names = list(key_names(table, index))
    if index.projection == "INCLUDE":
        names += [n for n in index.non_key_attributes if n not in names]
    return tuple(names)


def project(table: TableDef, index: IndexDef, item: Item) -> Item:
    names = projected_names(table, index)
    if names is None:
        return item
    return {n: item[n] for n in names if n in item}


def pack_entry(table_key: bytes, projected: Item, size: int) -> bytes:
    return bytes(msgpack.packb((table_key, projected, size), use_bin_type=True))


def unpack_entry(raw: Any) -> tuple[bytes, Item, int]:
    table_key, projected, size = msgpack.unpackb(raw, raw=False, use_list=True)
    return table_key, projected, size


def plan(
    table: TableDef,
    index: IndexDef,
    table_key: bytes,
    old: tuple[Item, int] | None,
    new: tuple[Item, int] | None,
) -> tuple[bytes | None, bytes | None, Item | None, int | None, IndexWrite]:
    """What a write does to one index: (old key, new key, new projection, new size, report).

    ``old``/``new`` are the item before and after, with their sizes (None = absent).
    """
    old_key = None if old is None else entry_key(index.key_schema, old[0], table_key)
    new_key = None if new is None else entry_key(index.key_schema, new[0], table_key)
    old_projected = old_size = new_projected = new_size = None
    if old is not None and old_key is not None:
        old_projected = project(table, index, old[0])
        old_size = old[1] if old_projected is old[0] else item_size(old_projected)
    if new is not None and new_key is not None:
        new_projected = project(table, index, new[0])
        new_size = new[1] if new_projected is new[0] else item_size(new_projected)
    moved = old_key is not None and new_key is not None and old_key != new_key
    changed = moved or old_key != new_key or old_projected != new_projected
    report = IndexWrite(index.name, index.kind, old_size, new_size, moved, changed)
    return old_key, new_key, new_projected, new_size, report
