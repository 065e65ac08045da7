"""The one write path: read the old item, compute the new one, write both sides at once.

Every item write (PutItem, UpdateItem, DeleteItem, batch writes, transactions, TTL
deletes) goes through :func:`apply` inside a ``Store.write`` transaction. ``mutate`` sees
the old item and returns the new ``(item, size)`` or None to delete; it raises to refuse
(a failed condition, a bad update) and then nothing is written. The item, its index
entries, its statistics, its stream record and its point-in-time history commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dynamo import pitr, table_streams
from dynamo.engine import Context
from dynamo.errors import DynamoError
from storage.catalog import TableDef
from storage.errors import StorageError
from storage.indexes import IndexWrite
from storage.keycodec import PID_SIZE
from storage.store import StoredItem, WriteView
from storage.values import Item
from streams.records import event_name

Mutation = Callable[[Item | None], StoredItem | None]
MAX_ITEM_COLLECTION = 10 * 1024**3  # an item collection of a table with LSIs: 10 GB


@dataclass(slots=True)
class Change:
    """What one write did: the item before and after (None = absent)."""

    table: TableDef
    key: bytes
    old: StoredItem | None
    new: StoredItem | None
    index_writes: list[IndexWrite] = field(default_factory=list)
    #: Bytes of the item collection after the write (tables with local secondary indexes).
    collection_size: int | None = None

    @property
    def old_item(self) -> Item | None:
        return None if self.old is None else self.old[0]

    @property
    def old_size(self) -> int:
        return 0 if self.old is None else self.old[1]

    @property
    def new_size(self) -> int:
        return 0 if self.new is None else self.new[1]


def apply(
    ctx: Context,
    view: WriteView,
    table: TableDef,
    key_item: Item,
    mutate: Mutation,
    *,
    by_service: bool = False,
) -> Change:
    """Write one item, identified by its key attributes, through ``mutate``.

    ``by_service`` marks deletions DynamoDB makes itself (TTL), as their stream records say.
    """
    schema = table.key_schema
    key = schema.primary_key(key_item)
    old = view.get(table, key)
    if old is not None and not schema.same_key(old[0], key_item):
        raise StorageError("two different keys share a primary-key digest")  # 2^-128; never silently
    new = mutate(None if old is None else old[0])
    index_writes: list[IndexWrite] = []
    if new is None:
        if old is not None:
            index_writes = view.delete(table, key, old)
    else:
        index_writes = view.put(table, key, new[0], new[1], old)
    old_item = None if old is None else old[0]
    new_item = None if new is None else new[0]
    event = event_name(old_item, new_item)
    if event is not None:  # a write that changes nothing leaves no trace
        now = view.commit_time(ctx.clock)  # every change of one transaction at one instant
        table_streams.record(
            ctx, view, table, event, schema.key_of(key_item), old_item, new_item, now, by_service=by_service
        )
        if pitr.enabled(table):
            pitr.record(view, table, key, old, now)
    collection_size = None
    if any(index.kind == "LSI" for index in table.indexes):
        collection_size = view.collection_size(table, key[:PID_SIZE])
        if collection_size > MAX_ITEM_COLLECTION and new is not None and new[1] > (old[1] if old else 0):
            raise DynamoError("ItemCollectionSizeLimitExceededException", "Collection size exceeded.")
    return Change(table, key, old, new, index_writes, collection_size)


def replace_with(new: StoredItem | None) -> Mutation:
    """A mutation that writes ``new`` (None: deletes) whatever the old item was."""
    return lambda old: new
