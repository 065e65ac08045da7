"""The cache's parts: the bounded LRU with its TTL, its settings, the race guard."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dynamo
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


def test_item_ttl_zero_keeps_items_until_written(pair: Any) -> None:
    # DAX's record TTL 0: items never time out; only a write through the cache changes them.
    cached, direct, cache = pair(CacheSettings(item_ttl=0))
    clock = cache.items._clock
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "old"}
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "new"}})
    clock.now += 10**8
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "old"}
    cached.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "mine"}})
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "mine"}


def test_embedded_hits_keep_botocore_parameter_checks() -> None:
    # With parameter validation on, a None member is refused on a hit as on a miss.
    from botocore.exceptions import ParamValidationError

    with dynamo.connect(cache="dax") as client:
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        client.put_item(TableName=TABLE, Item={"pk": {"S": "a"}})
        assert client.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
        for member in ("ConsistentRead", "ReturnConsumedCapacity", "ProjectionExpression"):
            with pytest.raises(ParamValidationError):
                client.get_item(TableName=TABLE, Key={"pk": {"S": "a"}}, **{member: None})


def test_a_shared_cache_outlives_a_client_that_does_not_own_it(pair: Any) -> None:
    # Closing one of several clients of a cache leaves it working; a closed cache answers nothing.
    cached, direct, cache = pair(CacheSettings(mode="coherent", item_ttl=0))
    other = Client(cached.engine, parameter_validation=False, cache=cache)
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "old"}})
    assert other.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "old"}
    other.close()
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "new"}})
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "new"}
    cache.close()
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "newer"}})
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "newer"}
    assert cache.stats()["ItemCache"]["Entries"] == 0


def test_regions_do_not_share_entries(pair: Any) -> None:
    # The same table name in two regions is two tables, in the cache as in the engine.
    cached, direct, cache = pair(CacheSettings())
    west = Client(cached.engine, region="eu-west-1", parameter_validation=False, cache=cache)
    west.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    direct.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "east"}})
    west.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "west"}})
    for _ in range(2):
        assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "east"}
        assert west.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "west"}


def test_batch_get_hands_back_unprocessed_keys_with_the_callers_projection(
    pair: Any, monkeypatch: Any
) -> None:
    # Keys the engine leaves unprocessed (16 MB) return with the caller's own parameters,
    # are not cached as missing, and cached keys are answered beside them.
    from dynamo.operations import batch_get_item

    cached, direct, _cache = pair(CacheSettings())
    for pk in "abc":
        direct.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "v": {"S": "x" * 100}})
    cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})  # "a" cached
    monkeypatch.setattr(batch_get_item, "RESPONSE_BYTES", 150)  # room for one item
    request = {TABLE: {"Keys": [{"pk": {"S": k}} for k in "abc"], "ProjectionExpression": "pk"}}
    found = cached.batch_get_item(RequestItems=request)
    assert sorted(i["pk"]["S"] for i in found["Responses"][TABLE]) == ["a", "b"]
    assert found["UnprocessedKeys"] == {TABLE: {"Keys": [{"pk": {"S": "c"}}], "ProjectionExpression": "pk"}}
    monkeypatch.setattr(batch_get_item, "RESPONSE_BYTES", 16 * 1024 * 1024)
    assert cached.get_item(TableName=TABLE, Key={"pk": {"S": "c"}})["Item"]["pk"] == {"S": "c"}


def test_ttl_deletions_invalidate_in_coherent_mode() -> None:
    # The TTL sweeper's deletions are commits like any other: coherent mode drops the entry.
    clock = ManualClock()
    engine = Engine(None, clock=clock, settings=Settings(maintenance_interval=0))
    cache = Cache(engine, CacheSettings(mode="coherent", item_ttl=0), clock=clock)
    cached = Client(engine, parameter_validation=False, cache=cache, owns_cache=True)
    try:
        cached.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        cached.update_time_to_live(
            TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
        )
        expires = {"N": str(int(clock.now) + 10)}
        cached.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "expires": expires})
        assert "Item" in cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})
        clock.now += 60
        assert cached.run_maintenance(clock.now)[0] == 1
        assert "Item" not in cached.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})
    finally:
        cached.close()
        engine.close()


def test_a_failing_cache_update_never_fails_a_committed_write(pair: Any, monkeypatch: Any) -> None:
    # The write has committed: if the cache cannot follow, it empties itself instead.
    from dynamo.cache import layer

    cached, direct, cache = pair(CacheSettings())
    cached.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    assert cache.stats()["ItemCache"]["Entries"] == 1

    def broken(document: Any) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr(layer, "_pack", broken)
    cached.put_item(TableName=TABLE, Item={"pk": {"S": "b"}, "v": {"S": "2"}})  # no error
    assert cache.stats()["ItemCache"]["Entries"] == 0
    assert direct.get_item(TableName=TABLE, Key={"pk": {"S": "b"}})["Item"]["v"] == {"S": "2"}


def test_coherent_reads_under_concurrent_writes_are_never_older_than_acknowledged(pair: Any) -> None:
    # Threads: one writer, cached readers (GetItem, BatchGetItem, Query). A read that begins
    # after a write was acknowledged never returns an older value.
    import threading
    import time

    cached, direct, _cache = pair(CacheSettings(mode="coherent", item_ttl=0))
    key = {"pk": {"S": "a"}}
    direct.put_item(TableName=TABLE, Item={**key, "v": {"N": "0"}})
    acknowledged, stale, stop = [0], [], time.monotonic() + 2

    def writer() -> None:
        version = 0
        while time.monotonic() < stop:
            version += 1
            direct.put_item(TableName=TABLE, Item={**key, "v": {"N": str(version)}})
            acknowledged[0] = version

    def reader(kind: str) -> None:
        query = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}
        while time.monotonic() < stop:
            floor = acknowledged[0]
            if kind == "get":
                found = cached.get_item(TableName=TABLE, Key=key)["Item"]
            elif kind == "batch":
                found = cached.batch_get_item(RequestItems={TABLE: {"Keys": [key]}})["Responses"][TABLE][0]
            else:
                found = cached.query(TableName=TABLE, **query)["Items"][0]
            if int(found["v"]["N"]) < floor:
                stale.append((kind, floor, found))

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(kind,)) for kind in ("get", "get", "batch", "query")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert acknowledged[0] > 10 and not stale, stale[:3]


def test_dax_write_through_holds_under_group_commit(pair: Any) -> None:
    # Writes through the cache from many threads (their commits grouped, led by any one of
    # them) each update the item cache: every writer then reads its own write as a hit.
    import threading

    cached, direct, cache = pair(CacheSettings(mode="dax", item_ttl=0))
    barrier = threading.Barrier(8)
    stale: list[str] = []

    def writer(i: int) -> None:
        barrier.wait()
        for n in range(20):
            value = f"{i}-{n}"
            if i % 2:  # around the cache: may lead a group holding others' writes through it
                direct.put_item(TableName=TABLE, Item={"pk": {"S": f"d{i}"}, "v": {"S": value}})
                continue
            cached.put_item(TableName=TABLE, Item={"pk": {"S": f"w{i}"}, "v": {"S": value}})
            if cached.get_item(TableName=TABLE, Key={"pk": {"S": f"w{i}"}})["Item"]["v"]["S"] != value:
                stale.append(value)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not stale
    assert cache.stats()["ItemCache"]["Misses"] == 0  # every read was answered by the write-through
