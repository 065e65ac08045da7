"""SELECTs that address one item by its full primary key (batches and transactions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.partiql import ast
from dynamo.partiql.bind import AttributeValue
from dynamo.partiql.plan import full_key, target
from dynamo.partiql.select import Shaping, shaping
from storage.values import Item


@dataclass(frozen=True)
class KeyedRead:
    table: str
    key: Item
    shape: Shaping

    def result(self, item: Item | None) -> Item | None:
        """The item as the SELECT returns it (None: missing or filtered out)."""
        if item is None:
            return None
        shaped = self.shape.apply([item])
        return shaped[0] if shaped else None


def keyed_read(
    ctx: Context, select: ast.Select, params: Sequence[AttributeValue], missing_key: str, on_index: str
) -> KeyedRead:
    """The table, key and shaping of a single-item SELECT; ``missing_key``/``on_index``
    are the caller's messages for a SELECT that is not one."""
    if select.source.index is not None:
        raise validation(on_index)
    read = target(ctx, select.source)
    try:
        key, _ = full_key(read.table.key_schema, select.where, params)
    except DynamoError:
        raise validation(missing_key) from None
    # The whole WHERE clause filters: the key equalities hold anyway for the item read.
    return KeyedRead(read.table.name, key, shaping(select, params))
