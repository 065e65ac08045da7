"""The cache's parts: the bounded LRU with its TTL, its settings, the race guard."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynamo import Cache, CacheSettings, Client, Engine, Settings
from dynamo.cache.lru import ENTRY_OVERHEAD, NEGATIVE, BoundedCache
from dynamo.operations import get_item
from tests.helpers import ManualClock

TABLE = "units"


def test_lru_evicts_the_least_recently_used_first() -> None:
    # Eviction order is recency of use, not of insertion.
    cache = BoundedCache("c", 3 * (ENTRY_OVERHEAD + 10), 0, ManualClock())
    for name in "abc":
        cache.put(name, b"x" * 10, "g")
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("d", b"x" * 10, "g")
    assert cache.get("b") is None
    assert all(cache.get(name) is not None for name in "acd")
    assert cache.evictions == 1 and cache.bytes <= cache.max_bytes


def test_an_entry_larger_than_the_bound_is_not_cached() -> None:
    # One value over the whole budget would evict everything for nothing.
    cache = BoundedCache("c", 1000, 0, ManualClock())
    cache.put("small", b"x", "g")
    cache.put("huge", b"x" * 1000, "g")
    assert cache.get("huge") is None and cache.get("small") is not None


def test_ttl_zero_never_expires_and_ttl_expires_in_order() -> None:
    # TTL 0: entries live until evicted; otherwise they are gone once their time is up.
    clock = ManualClock()
    forever = BoundedCache("c", 10_000, 0, clock)
    forever.put("k", b"v", "g")
    clock.now += 10**9
    assert forever.get("k") == b"v"
    timed = BoundedCache("c", 10_000, 10, clock)
    timed.put("old", b"v", "g")
    clock.now += 5
    timed.put("new", b"v", "g")
    clock.now += 6
    timed.expire()
    assert timed.stats()["Entries"] == 1 and timed.get("new") == b"v" and timed.get("old") is None
    assert timed.expirations == 1


def test_groups_drop_together() -> None:
    # Everything of one table can be dropped without touching other tables' entries.
    cache = BoundedCache("c", 10_000, 0, ManualClock())
    cache.put("a1", b"v", "A")
    cache.put("a2", NEGATIVE, "A")
    cache.put("b1", b"v", "B")
    cache.invalidate_group("A")
    assert cache.get("a1") is None and cache.get("a2") is None and cache.get("b1") == b"v"
    assert cache.invalidations == 2 and cache.stats()["Entries"] == 1


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 200), st.booleans()), max_size=60))
def test_size_accounting_matches_the_entries(operations: list[tuple[str, int, bool]]) -> None:
    # Whatever the sequence of puts and invalidations, the byte count is the entries' sum
    # and never above the bound.
    cache = BoundedCache("c", 1500, 0, ManualClock())
    for name, length, drop in operations:
        if drop:
            cache.invalidate(name)
        else:
            cache.put(name, b"x" * length, name[0] < "e")
        assert cache.bytes == sum(e.size for e in cache._entries.values()) <= cache.max_bytes
        assert sum(len(keys) for keys in cache._groups.values()) == len(cache._entries)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mode": "fast"}, "cache mode must be one of dax, coherent, not 'fast'"),
        ({"item_ttl": -1}, "cache TTLs are seconds, 0 or more"),
        ({"query_bytes": 0}, "cache sizes are a positive number of bytes"),
    ],
)
def test_settings_are_checked(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        CacheSettings(**changes)
    assert str(info.value) == message


@pytest.fixture
def pair() -> Any:
    engine = Engine(None, settings=Settings(maintenance_interval=0))
    clients = []

    def make(settings: CacheSettings) -> tuple[Client, Client, Cache]:
        cache = Cache(engine, settings, clock=ManualClock())
        cached = Client(engine, parameter_validation=False, cache=cache)
        direct = Client(engine, parameter_validation=False)
        clients.append(cached)
        if not direct.list_tables()["TableNames"]:
            direct.create_table(
                TableName=TABLE,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            )
        return cached, direct, cache

    yield make
    for client in clients:
        client.close()
    engine.close()


def test_query_ttl_zero_caches_no_query(pair: Any) -> None:
    # As DAX's query-ttl-millis 0: Query and Scan results are not cached at all.
    cached, direct, cache = pair(CacheSettings(query_ttl=0))
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}})
    for _ in range(2):
        assert cached.scan(TableName=TABLE)["Count"] == 1
    assert cache.stats()["QueryCache"]["Entries"] == 0
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "b"}})
    assert cached.scan(TableName=TABLE)["Count"] == 2


def test_a_read_racing_a_commit_does_not_cache_its_old_snapshot(pair: Any, monkeypatch: Any) -> None:
    # A miss whose read began before a commit to its table must not cache what it read:
    # the next read sees the commit (in either mode).
    cached, direct, cache = pair(CacheSettings(mode="dax"))
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    original = get_item.run

    def read_then_commit(ctx: Any, req: dict[str, Any]) -> dict[str, Any]:
        response = original(ctx, req)
        direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "new"}})
        return response

    monkeypatch.setattr(get_item, "run", read_then_commit)
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "old"}
    monkeypatch.setattr(get_item, "run", original)
    assert cache.stats()["ItemCache"]["Entries"] == 0
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "new"}


def test_cache_stats_needs_a_cache() -> None:
    # The embedded client says clearly that it has no cache to describe.
    engine = Engine(None)
    try:
        with pytest.raises(RuntimeError, match="no cache"):
            Client(engine).cache_stats()
    finally:
        engine.close()
