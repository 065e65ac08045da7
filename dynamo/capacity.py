"""Capacity units as DynamoDB charges them, and the ConsumedCapacity member (reference 3.3).

Reads cost 4 KB units (half when eventually consistent, at least one unit per item read
or per Query/Scan page); writes cost 1 KB units of the larger of the old and new item.
Each secondary index whose stored entry changes costs its own write units: inserting or
deleting an entry costs its projected size, updating it in place the larger of the two,
moving it to a new key both. A :class:`Capacity` collects one request's charges per table
and index and renders them for TOTAL or INDEXES.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from storage.catalog import TableDef
from storage.indexes import IndexWrite

READ_UNIT: Final = 4096
WRITE_UNIT: Final = 1024


def _units(size: int, unit: int) -> int:
    return max(1, -(-size // unit))


def read_units(size: int, consistent: bool) -> float:
    """Reading ``size`` bytes (one item, a missing one, or a page): 4 KB units, halved if eventual."""
    units = _units(size, READ_UNIT)
    return float(units) if consistent else units / 2


def write_units(old_size: int, new_size: int) -> float:
    """Writing one item: 1 KB units of the larger image, at least one."""
    return float(_units(max(old_size, new_size), WRITE_UNIT))


def index_write_units(write: IndexWrite) -> float:
    """What one write costs one index (0 when nothing stored in it changed)."""
    if not write.changed:
        return 0.0
    if write.moved:
        assert write.old_size is not None and write.new_size is not None
        return float(_units(write.old_size, WRITE_UNIT) + _units(write.new_size, WRITE_UNIT))
    return float(_units(max(write.old_size or 0, write.new_size or 0), WRITE_UNIT))


@dataclass
class Capacity:
    """One table's share of a request's consumed capacity."""

    table: str
    units: float = 0.0
    global_indexes: dict[str, float] = field(default_factory=dict)
    local_indexes: dict[str, float] = field(default_factory=dict)

    def add_index(self, kind: str, name: str, units: float) -> None:
        bucket = self.global_indexes if kind == "GSI" else self.local_indexes
        bucket[name] = bucket.get(name, 0.0) + units

    def add_index_writes(self, writes: list[IndexWrite]) -> None:
        for write in writes:
            units = index_write_units(write)
            if units:
                self.add_index(write.kind, write.index, units)

    @property
    def total(self) -> float:
        return self.units + sum(self.global_indexes.values()) + sum(self.local_indexes.values())

    def render(self, mode: str | None, kind: str | None = None) -> dict[str, Any] | None:
        """The ConsumedCapacity entry for ReturnConsumedCapacity ``mode`` (None if not asked).

        Transactions also say what kind of units they consumed: ``kind`` "Read" or "Write"
        adds ``ReadCapacityUnits`` or ``WriteCapacityUnits`` beside every ``CapacityUnits``.
        """
        if mode is None or mode == "NONE":
            return None
        field = None if kind is None else f"{kind}CapacityUnits"

        def units(value: float) -> dict[str, float]:
            return {"CapacityUnits": value} if field is None else {"CapacityUnits": value, field: value}

        report: dict[str, Any] = {"TableName": self.table, **units(self.total)}
        if mode == "INDEXES":
            report["Table"] = units(self.units)
            if self.global_indexes:
                report["GlobalSecondaryIndexes"] = {n: units(u) for n, u in self.global_indexes.items()}
            if self.local_indexes:
                report["LocalSecondaryIndexes"] = {n: units(u) for n, u in self.local_indexes.items()}
        return report


class Capacities:
    """Consumed capacity of a multi-table request (batches, transactions): one entry per
    table, in the order the request first addresses them (by name or ARN alike)."""

    __slots__ = ("by_table",)

    def __init__(self) -> None:
        self.by_table: dict[str, Capacity] = {}

    def of(self, table: TableDef) -> Capacity:
        capacity = self.by_table.get(table.table_id)
        if capacity is None:
            capacity = self.by_table[table.table_id] = Capacity(table.name)
        return capacity

    def render(self, mode: str | None, kind: str | None = None) -> list[dict[str, Any]] | None:
        if mode is None or mode == "NONE":
            return None
        return [report for c in self.by_table.values() if (report := c.render(mode, kind)) is not None]


def consumed(mode: str | None, table: str, units: float) -> dict[str, Any] | None:
    """ConsumedCapacity of a request that only touched the table itself."""
    return Capacity(table, units).render(mode)
