"""Table definitions as the storage engine sees them, and their on-disk records.

The catalog database holds one record per table, keyed by region and name, plus a format
version and a *generation* counter that every schema change bumps. Each process keeps the
decoded catalog in memory and reloads it when the generation it reads in a transaction
differs from the one it loaded, so a server and a CLI can share one data directory.

Storage only needs keys and indexes; everything else DynamoDB reports about a table
(billing mode, throughput, tags, ...) is kept in ``TableDef.meta``, an opaque dict owned by
the ``dynamo`` layer and stored in the same record.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from typing import Any, Final

import msgpack

from storage.keycodec import partition_id, sort_part
from storage.values import Item

FORMAT_VERSION: Final = 1
CATALOG_DB: Final = b"catalog"
FORMAT_KEY: Final = b"format"
GENERATION_KEY: Final = b"generation"
_TABLE_PREFIX: Final = b"table:"
_STATS_PREFIX: Final = b"stats:"
_COLLECTION_PREFIX: Final = b"coll:"


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    name: str
    type: str  # "S", "N" or "B"


@dataclass(frozen=True, slots=True)
class KeySchema:
    """The partition key and optional sort key of a table or index."""

    hash: KeyAttribute
    range: KeyAttribute | None = None

    @property
    def attributes(self) -> tuple[KeyAttribute, ...]:
        return (self.hash,) if self.range is None else (self.hash, self.range)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def primary_key(self, item: Item) -> bytes:
        """``pid(pk) [|| sort_part(sk)]`` of an item (or a Key) that has the key attributes."""
        h = self.hash
        key = partition_id(h.type, item[h.name][h.type])
        r = self.range
        if r is not None:
            key += sort_part(r.type, item[r.name][r.type])
        return key

    def same_key(self, a: Item, b: Item) -> bool:
        """Whether two items (or keys) have equal key attributes (canonical payloads)."""
        return all(a[attr.name] == b[attr.name] for attr in self.attributes)

    def key_of(self, item: Item) -> Item:
        """The key attributes of an item, as a ``Key`` map."""
        return {a.name: item[a.name] for a in self.attributes}


@dataclass(frozen=True, slots=True)
class IndexDef:
    name: str
    kind: str  # "GSI" or "LSI"
    key_schema: KeySchema
    projection: str  # "ALL", "KEYS_ONLY" or "INCLUDE"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableDef:
    """One table: identity, keys, indexes, and the ``dynamo`` layer's own metadata."""

    region: str
    name: str
    table_id: str
    key_schema: KeySchema
    indexes: tuple[IndexDef, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def db_name(self) -> bytes:
        return b"t:" + self.table_id.encode()

    def index_db_name(self, index: str) -> bytes:
        return b"i:" + self.table_id.encode() + b":" + index.encode()

    def with_meta(self, **changes: Any) -> TableDef:
        return replace(self, meta={**self.meta, **changes})


def table_record_key(region: str, name: str) -> bytes:
    return _TABLE_PREFIX + region.encode() + b"\x00" + name.encode()


def table_prefix(region: str) -> bytes:
    return _TABLE_PREFIX + region.encode() + b"\x00"


def all_tables_prefix() -> bytes:
    return _TABLE_PREFIX


def stats_key(stats_id: str) -> bytes:
    """Where a table's (or an index's) byte size is counted."""
    return _STATS_PREFIX + stats_id.encode()


def index_stats_id(table: TableDef, index: IndexDef) -> str:
    return f"{table.table_id}/{index.name}"


def collection_key(table_id: str, partition: bytes) -> bytes:
    """Where the size of one item collection (a partition of a table with LSIs) is counted."""
    return _COLLECTION_PREFIX + table_id.encode() + b"\x00" + partition


def pack_generation(generation: int) -> bytes:
    return struct.pack(">Q", generation)


def unpack_generation(raw: bytes | None) -> int:
    return 0 if raw is None else int(struct.unpack(">Q", raw)[0])


def _pack_schema(schema: KeySchema) -> list[list[str]]:
    return [[a.name, a.type] for a in schema.attributes]


def _unpack_schema(raw: list[list[str]]) -> KeySchema:
    attrs = [KeyAttribute(name, type_) for name, type_ in raw]
    return KeySchema(attrs[0], attrs[1] if len(attrs) > 1 else None)


def pack_table(table: TableDef) -> bytes:
    record = {
        "region": table.region,
        "name": table.name,
        "id": table.table_id,
        "keys": _pack_schema(table.key_schema),
        "indexes": [
            {
                "name": ix.name,
                "kind": ix.kind,
                "keys": _pack_schema(ix.key_schema),
                "projection": ix.projection,
                "include": list(ix.non_key_attributes),
            }
            for ix in table.indexes
        ],
        "meta": table.meta,
    }
    return bytes(msgpack.packb(record, use_bin_type=True))


def unpack_table(raw: bytes) -> TableDef:
    record = msgpack.unpackb(raw, raw=False)
    return TableDef(
        region=record["region"],
        name=record["name"],
        table_id=record["id"],
        key_schema=_unpack_schema(record["keys"]),
        indexes=tuple(
            IndexDef(
                name=ix["name"],
                kind=ix["kind"],
                key_schema=_unpack_schema(ix["keys"]),
                projection=ix["projection"],
                non_key_attributes=tuple(ix["include"]),
            )
            for ix in record["indexes"]
        ),
        meta=record["meta"],
    )
