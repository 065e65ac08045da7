"""Ordered reads: true sort-key order across overflow groups, in both directions, resuming."""

from __future__ import annotations

import tempfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.catalog import KeyAttribute, KeySchema, TableDef
from storage.keycodec import encode, partition_id
from storage.ranges import Position
from storage.store import Store
from storage.values import item_size

SCHEMA = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "S"))
PREFIX = "p" * 420  # longer than the 400 bytes a key keeps: these share an overflow group

sort_keys = st.lists(
    st.one_of(
        st.text(alphabet="ab", max_size=4),
        st.text(alphabet="ab", max_size=4).map(lambda s: PREFIX + s),
        st.text(alphabet="ab", max_size=4).map(lambda s: "p" * 399 + s),
    ),
    min_size=1,
    max_size=12,
    unique=True,
)


def _store_with(keys: list[str]) -> tuple[Store, TableDef]:
    store = Store(tempfile.mkdtemp())
    table = TableDef("us-east-1", "t", "id", SCHEMA)
    store.write(lambda v: v.create_table(table))

    def fill(view: Any) -> None:
        for sk in keys:
            item = {"pk": {"S": "x"}, "sk": {"S": sk}}
            view.put(table, SCHEMA.primary_key(item), item, item_size(item), None)

    store.write(fill)
    return store, table


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(sort_keys, st.booleans(), st.integers(0, 11))
def test_entries_in_true_order_and_resume(keys: list[str], reverse: bool, cut: int) -> None:
    # Reads return DynamoDB's order even when keys were cut to 400 bytes, and resume exactly after a position.
    store, table = _store_with(keys)
    expected = sorted(keys, key=lambda k: k.encode(), reverse=reverse)
    pid = partition_id("S", "x")
    with store.read() as view:
        got = [item["sk"]["S"] for _, item, _ in view.table_entries(table, pid, None, reverse=reverse)]
        assert got == expected
        if cut < len(expected):
            last = {"pk": {"S": "x"}, "sk": {"S": expected[cut]}}
            after = Position(SCHEMA.primary_key(last), encode("S", expected[cut]))
            rest = [
                item["sk"]["S"]
                for _, item, _ in view.table_entries(table, pid, None, reverse=reverse, after=after)
            ]
            assert rest == expected[cut + 1 :]
    store.close()
