"""Point-in-time recovery (reference 13.3): the recovery window, the writes it records,
and the items a table held at a given time.

``TableDef.meta["pitr"]`` is ``{"enabled", "since", "days"}``: when PITR was (last)
switched on and the recovery period. While it is on, every write that changes an item
records the item's previous image (``storage/history.py``) in the write's transaction.

Locally the latest restorable time is *now*; DynamoDB's trails it by about five minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

from dynamo.errors import DynamoError
from storage.catalog import TableDef
from storage.store import ReadView, StoredItem, WriteView

DEFAULT_DAYS: Final = 35
DAY: Final = 24 * 3600.0


def enabled(table: TableDef) -> bool:
    spec = table.meta.get("pitr")
    return bool(spec and spec.get("enabled"))


def window(table: TableDef, now: float) -> tuple[float, float]:
    """(earliest, latest) restorable time of a table with PITR on."""
    spec = table.meta["pitr"]
    return max(spec["since"], now - spec["days"] * DAY), now


def describe(table: TableDef, now: float) -> dict[str, Any]:
    """The ContinuousBackupsDescription of a table."""
    if not enabled(table):
        return {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
        }
    earliest, latest = window(table, now)
    return {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": table.meta["pitr"]["days"],
            # Whole seconds, as DynamoDB shows them (and restores to).
            "EarliestRestorableDateTime": float(math.floor(earliest)),
            "LatestRestorableDateTime": float(math.floor(latest)),
        },
    }


def record(view: WriteView, table: TableDef, key: bytes, old: StoredItem | None, now: float) -> None:
    """Remember an item's image before a write that changed it (PITR on)."""
    view.record_version(table, key, old, int(now * 1000), view.next_sequence())


def items_at(view: ReadView, table: TableDef, when: float) -> Iterator[StoredItem]:
    """The items ``table`` held at ``when`` (to the millisecond), from one snapshot.

    An item changed after ``when`` held the image recorded with its first such change;
    every other item holds its current image.
    """
    # Key -> a reference to its first change after ``when``; the images are read one at a
    # time at the end, so memory holds keys, not items.
    before: dict[bytes, bytes] = {}
    for key, change, _ in view.changes_after(table, int(when * 1000)):
        before.setdefault(key, change)
    for key, item, size in view.raw_items(table):
        if key not in before:
            yield item, size
    for change in before.values():
        old = view.image_before(table, change)
        if old is not None:
            yield old


def iso(when: float) -> str:
    """A time as DynamoDB writes it in restore-time messages: ``2026-10-06T23:16:32Z``."""
    try:
        return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # beyond what a date can show
        return str(when)


def moment(table: TableDef, when: float, now: float) -> float | None:
    """The moment of the window a restore or export at ``when`` reads (None: outside it).

    The window is checked to the second, as DynamoDB shows and checks it; a time in the
    second PITR was switched on means the moment it was.
    """
    earliest, latest = window(table, now)
    return max(when, earliest) if math.floor(earliest) <= when <= latest else None


def restore_time(table: TableDef, when: float, now: float) -> float:
    """The moment a restore at ``when`` restores, or InvalidRestoreTimeException."""
    found = moment(table, when, now)
    if found is None:
        earliest, latest = window(table, now)
        raise DynamoError(
            "InvalidRestoreTimeException",
            f"RestoreDateTime '{iso(when)}' must be within EarliestRestorableDateTime '{iso(earliest)}' "
            f"and LatestRestorableDateTime '{iso(latest)}'",
        )
    return found


def unavailable(name: str) -> DynamoError:
    return DynamoError(
        "PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{name}'"
    )


def trim(view: WriteView, table: TableDef, now: float, limit: int) -> int:
    """Forget history no restore can need any more (before the window); how many entries."""
    earliest, _ = window(table, now)
    return view.trim_history(table, int(earliest * 1000), limit)
