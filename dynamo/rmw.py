"""The one write path: read the old item, compute the new one, write both sides at once.

Every item write (PutItem, DeleteItem, and later UpdateItem, batch writes, transactions,
TTL deletes) goes through :func:`apply` inside a ``Store.write`` transaction. ``mutate``
sees the old item and returns the new ``(item, size)`` or None to delete; it raises to
refuse (a failed condition, a bad update) and then nothing is written. The item, its
statistics and everything the store keeps beside it commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage.catalog import TableDef
from storage.errors import StorageError
from storage.store import StoredItem, WriteView
from storage.values import Item

Mutation = Callable[[Item | None], StoredItem | None]


@dataclass(slots=True)
class Change:
    """What one write did: the item before and after (None = absent)."""

    table: TableDef
    key: bytes
    old: StoredItem | None
    new: StoredItem | None

    @property
    def old_item(self) -> Item | None:
        return None if self.old is None else self.old[0]

    @property
    def old_size(self) -> int:
        return 0 if self.old is None else self.old[1]

    @property
    def new_size(self) -> int:
        return 0 if self.new is None else self.new[1]


def apply(view: WriteView, table: TableDef, key_item: Item, mutate: Mutation) -> Change:
    """Write one item, identified by its key attributes, through ``mutate``."""
    schema = table.key_schema
    key = schema.primary_key(key_item)
    old = view.get(table, key)
    if old is not None and not schema.same_key(old[0], key_item):
        raise StorageError("two different keys share a primary-key digest")  # 2^-128; never silently
    new = mutate(None if old is None else old[0])
    if new is None:
        if old is not None:
            view.delete(table, key, old)
    else:
        view.put(table, key, new[0], new[1], old)
    return Change(table, key, old, new)
