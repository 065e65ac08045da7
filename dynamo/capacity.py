"""Capacity units as DynamoDB charges them, and the ConsumedCapacity member."""

from __future__ import annotations

from typing import Any, Final

READ_UNIT: Final = 4096
WRITE_UNIT: Final = 1024


def read_units(size: int, consistent: bool) -> float:
    """Reading one item (or a missing one) of ``size`` bytes: 4 KB units, halved if eventual."""
    units = max(1, -(-size // READ_UNIT))
    return float(units) if consistent else units / 2


def write_units(old_size: int, new_size: int) -> float:
    """Writing one item: 1 KB units of the larger image, at least one."""
    return float(max(1, -(-max(old_size, new_size) // WRITE_UNIT)))


def consumed(mode: str | None, table: str, units: float) -> dict[str, Any] | None:
    """The ``ConsumedCapacity`` member for ReturnConsumedCapacity ``mode`` (None if not asked)."""
    if mode is None or mode == "NONE":
        return None
    report: dict[str, Any] = {"TableName": table, "CapacityUnits": units}
    if mode == "INDEXES":
        report["Table"] = {"CapacityUnits": units}
    return report
