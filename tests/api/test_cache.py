"""The DAX-like cache (reference 16): its semantics table, on both front ends and both modes.

Each case runs embedded (``dynamo.connect(cache=...)``: a cached client and an uncached
one on the same engine) and over HTTP (a cache endpoint and the main endpoint, in front of
one engine), in ``dax`` and ``coherent`` mode. "direct" is the uncached path: the main
port, or a client without the cache, as an application writing to DynamoDB while another
reads through DAX. The cache's clock is manual, so TTLs are crossed by moving it.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dynamo import Cache, CacheSettings, Client, Engine, Settings
from dynamo.http import App
from tests.helpers import ManualClock, boto_client, create_gsi_table, create_table, raises, serving

ITEM_TTL = 60.0
QUERY_TTL = 30.0
BOUND = 64 * 1024  # small enough for the eviction case to fill


@dataclass
class Cached:
    cache: Any  # a client reading and writing through the cache
    direct: Any  # a client of the same data without it
    clock: ManualClock
    mode: str
    stats: Callable[[], dict[str, Any]]

    def item_stats(self) -> dict[str, Any]:
        return self.stats()["ItemCache"]  # type: ignore[no-any-return]

    def query_stats(self) -> dict[str, Any]:
        return self.stats()["QueryCache"]  # type: ignore[no-any-return]


VARIANTS = [("embedded", "dax"), ("embedded", "coherent"), ("http", "dax"), ("http", "coherent")]


@pytest.fixture(scope="module", params=VARIANTS, ids=["-".join(v) for v in VARIANTS])
def cached(request: pytest.FixtureRequest) -> Iterator[Cached]:
    if request.config.getoption("--endpoint"):
        pytest.skip("the cache endpoint is this server's own (dynamo serve --dax-port)")
    front_end, mode = request.param
    clock = ManualClock()
    engine = Engine(None, settings=Settings(maintenance_interval=0))
    settings = CacheSettings(
        mode=mode, item_ttl=ITEM_TTL, query_ttl=QUERY_TTL, item_bytes=BOUND, query_bytes=BOUND
    )
    cache = Cache(engine, settings, clock=clock)
    try:
        if front_end == "embedded":
            yield Cached(
                Client(engine, parameter_validation=False, cache=cache),
                Client(engine, parameter_validation=False),
                clock,
                mode,
                cache.stats,
            )
        else:
            with serving(App(engine)) as main_url, serving(App(engine, cache=cache)) as cache_url:

                def stats() -> dict[str, Any]:
                    with urllib.request.urlopen(cache_url + "/stats") as response:
                        return json.loads(response.read())  # type: ignore[no-any-return]

                yield Cached(boto_client(cache_url), boto_client(main_url), clock, mode, stats)
    finally:
        cache.close()
        engine.close()


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def item(pk: str, value: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "v": {"S": value}}


def value_of(client: Any, table: str, pk: str, **extra: Any) -> str | None:
    found = client.get_item(TableName=table, Key=key(pk), **extra).get("Item")
    return None if found is None else found["v"]["S"]


def test_read_after_write_through_the_cache(cached: Cached) -> None:
    # Reads through the cache see writes made through it: Put, Update, Delete.
    table = create_table(cached.direct)
    cached.cache.put_item(TableName=table, Item=item("a", "1"))
    assert value_of(cached.cache, table, "a") == "1"
    cached.cache.update_item(
        TableName=table,
        Key=key("a"),
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "2"}},
    )
    assert value_of(cached.cache, table, "a") == "2"
    cached.cache.delete_item(TableName=table, Key=key("a"))
    assert value_of(cached.cache, table, "a") is None


def test_write_through_fills_the_item_cache_in_dax_mode(cached: Cached) -> None:
    # DAX updates its item cache from a write it forwarded: the next read is a hit.
    table = create_table(cached.direct)
    cached.cache.put_item(TableName=table, Item=item("a", "1"))
    before = cached.item_stats()
    assert value_of(cached.cache, table, "a") == "1"
    after = cached.item_stats()
    if cached.mode == "dax":
        assert (after["Hits"], after["Misses"]) == (before["Hits"] + 1, before["Misses"])
    else:  # coherent mode only invalidates, so the first read fills the entry
        assert after["Misses"] == before["Misses"] + 1


def test_batch_write_and_transaction_go_through(cached: Cached) -> None:
    # BatchWriteItem and TransactWriteItems through the cache are read back through it.
    table = create_table(cached.direct)
    assert value_of(cached.cache, table, "b") is None
    cached.cache.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item("b", "batch")}}]})
    assert value_of(cached.cache, table, "b") == "batch"
    cached.cache.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item("b", "tx")}}])
    assert value_of(cached.cache, table, "b") == "tx"


def test_direct_write_is_stale_until_ttl_in_dax_mode_and_fresh_in_coherent(cached: Cached) -> None:
    # DAX does not see writes made around it until the entry expires; coherent mode does.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "old"))
    assert value_of(cached.cache, table, "a") == "old"
    cached.direct.put_item(TableName=table, Item=item("a", "new"))
    expected = "old" if cached.mode == "dax" else "new"
    assert value_of(cached.cache, table, "a") == expected
    cached.clock.now += ITEM_TTL + 1
    assert value_of(cached.cache, table, "a") == "new"


def test_query_cache_is_stale_after_writes_until_its_ttl(cached: Cached) -> None:
    # DAX never updates cached Query results, even for writes through it; coherent mode does.
    table = create_table(cached.direct, range_key=("sk", "N"))
    request = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
    }
    cached.direct.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": "1"}})
    assert cached.cache.query(**request)["Count"] == 1
    cached.cache.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": "2"}})
    assert cached.cache.query(**request)["Count"] == (1 if cached.mode == "dax" else 2)
    cached.clock.now += QUERY_TTL + 1
    assert cached.cache.query(**request)["Count"] == 2


def test_scan_results_are_cached_like_queries(cached: Cached) -> None:
    # Scan shares the query cache: an identical request is a hit, a different one is not.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    before = cached.query_stats()
    assert cached.cache.scan(TableName=table)["Count"] == 1
    assert cached.cache.scan(TableName=table)["Count"] == 1
    assert cached.cache.scan(TableName=table, Limit=1)["Count"] == 1
    after = cached.query_stats()
    assert (after["Hits"] - before["Hits"], after["Misses"] - before["Misses"]) == (1, 2)


def test_negative_entries_and_their_invalidation_by_a_put(cached: Cached) -> None:
    # A missing item is cached as missing: a put around the cache is not seen in dax mode,
    # a put through it is (and every commit is, in coherent mode).
    table = create_table(cached.direct)
    assert value_of(cached.cache, table, "gone") is None
    before = cached.item_stats()
    assert value_of(cached.cache, table, "gone") is None
    assert cached.item_stats()["Hits"] == before["Hits"] + 1
    cached.direct.put_item(TableName=table, Item=item("gone", "direct"))
    assert value_of(cached.cache, table, "gone") == (None if cached.mode == "dax" else "direct")
    cached.cache.put_item(TableName=table, Item=item("gone", "through"))
    assert value_of(cached.cache, table, "gone") == "through"


def test_consistent_read_bypasses_the_cache(cached: Cached) -> None:
    # ConsistentRead=true goes to the table and leaves the cache as it was.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "old"))
    assert value_of(cached.cache, table, "a") == "old"
    cached.direct.put_item(TableName=table, Item=item("a", "new"))
    before = cached.item_stats()
    assert value_of(cached.cache, table, "a", ConsistentRead=True) == "new"
    after = cached.item_stats()
    assert (after["Hits"], after["Misses"]) == (before["Hits"], before["Misses"])
    assert value_of(cached.cache, table, "a") == ("old" if cached.mode == "dax" else "new")
    found = cached.cache.batch_get_item(RequestItems={table: {"Keys": [key("a")], "ConsistentRead": True}})
    assert found["Responses"][table][0]["v"] == {"S": "new"}
    query = cached.cache.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        ConsistentRead=True,
    )
    assert query["Items"][0]["v"] == {"S": "new"}


def test_transact_get_items_bypasses_the_cache(cached: Cached) -> None:
    # TransactGetItems always reads the table.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "old"))
    assert value_of(cached.cache, table, "a") == "old"
    cached.direct.put_item(TableName=table, Item=item("a", "new"))
    found = cached.cache.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key("a")}}])
    assert found["Responses"][0]["Item"]["v"] == {"S": "new"}


def test_failed_write_changes_nothing_in_the_cache(cached: Cached) -> None:
    # A write that fails (a condition) is returned unchanged and caches nothing.
    table = create_table(cached.direct)
    cached.cache.put_item(TableName=table, Item=item("a", "1"))
    with raises("ConditionalCheckFailedException", "The conditional request failed"):
        cached.cache.put_item(
            TableName=table, Item=item("a", "2"), ConditionExpression="attribute_not_exists(pk)"
        )
    assert value_of(cached.cache, table, "a") == "1"


def test_lru_eviction_keeps_the_cache_within_its_byte_bound(cached: Cached) -> None:
    # The least recently used entries leave when the byte bound is reached.
    table = create_table(cached.direct)
    filler = "x" * 1000
    for i in range(0, 100, 25):
        requests = [{"PutRequest": {"Item": item(f"k{j}", filler)}} for j in range(i, i + 25)]
        cached.direct.batch_write_item(RequestItems={table: requests})
    evictions = cached.item_stats()["Evictions"]
    for i in range(100):
        assert value_of(cached.cache, table, f"k{i}") == filler
    stats = cached.item_stats()
    assert stats["Evictions"] > evictions
    assert stats["SizeBytes"] <= stats["MaxSizeBytes"] == BOUND
    misses = stats["Misses"]
    value_of(cached.cache, table, "k99")  # the most recent: still there
    assert cached.item_stats()["Misses"] == misses
    value_of(cached.cache, table, "k0")  # the least recent: evicted
    assert cached.item_stats()["Misses"] == misses + 1


def test_entries_expire_after_their_ttl(cached: Cached) -> None:
    # An entry older than its TTL is dropped and read again.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    value_of(cached.cache, table, "a")
    cached.clock.now += ITEM_TTL - 1
    before = cached.item_stats()
    value_of(cached.cache, table, "a")
    assert cached.item_stats()["Hits"] == before["Hits"] + 1
    cached.clock.now += 2
    value_of(cached.cache, table, "a")
    after = cached.item_stats()
    assert after["Misses"] == before["Misses"] + 1
    assert after["Expirations"] >= before["Expirations"] + 1


def test_hits_consume_no_capacity(cached: Cached) -> None:
    # A cache hit reads no table: ConsumedCapacity, when asked, reports 0 units.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    first = cached.cache.get_item(TableName=table, Key=key("a"), ReturnConsumedCapacity="TOTAL")
    assert first["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.5}
    hit = cached.cache.get_item(TableName=table, Key=key("a"), ReturnConsumedCapacity="INDEXES")
    assert hit["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 0.0,
        "Table": {"CapacityUnits": 0.0},
    }
    query = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "a"}},
        "ReturnConsumedCapacity": "TOTAL",
    }
    assert cached.cache.query(**query)["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert cached.cache.query(**query)["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 0.0}
    batch = cached.cache.batch_get_item(
        RequestItems={table: {"Keys": [key("a")]}}, ReturnConsumedCapacity="TOTAL"
    )
    assert batch["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 0.0}]


def test_batch_get_uses_the_item_cache_key_by_key(cached: Cached) -> None:
    # BatchGetItem treats each key as a GetItem: hits, misses and missing items mix.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    cached.direct.put_item(TableName=table, Item=item("b", "2"))
    assert value_of(cached.cache, table, "a") == "1"  # "a" is now cached
    before = cached.item_stats()
    request = {table: {"Keys": [key("a"), key("b"), key("missing")], "ProjectionExpression": "v"}}
    found = cached.cache.batch_get_item(RequestItems=request, ReturnConsumedCapacity="TOTAL")
    assert sorted(i["v"]["S"] for i in found["Responses"][table]) == ["1", "2"]
    assert all(set(i) == {"v"} for i in found["Responses"][table])
    assert found["UnprocessedKeys"] == {}
    assert found["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 1.0}]  # two misses
    after = cached.item_stats()
    assert (after["Hits"] - before["Hits"], after["Misses"] - before["Misses"]) == (1, 2)
    again = cached.cache.batch_get_item(RequestItems=request)
    assert sorted(i["v"]["S"] for i in again["Responses"][table]) == ["1", "2"]
    assert cached.item_stats()["Hits"] == after["Hits"] + 3
    assert cached.cache.get_item(TableName=table, Key=key("b"), ProjectionExpression="pk")["Item"] == key("b")


def test_errors_are_the_tables_errors(cached: Cached) -> None:
    # Bad requests get DynamoDB's own errors through the cache, and cache nothing.
    table = create_table(cached.direct)
    with raises("ResourceNotFoundException", "Requested resource not found"):
        cached.cache.get_item(TableName="no-such-table", Key=key("a"))
    with raises("ValidationException", "The provided key element does not match the schema"):
        cached.cache.get_item(TableName=table, Key={"other": {"S": "a"}})
    with raises("ValidationException", startswith="Value provided in ExpressionAttributeNames unused"):
        cached.cache.get_item(
            TableName=table, Key=key("a"), ProjectionExpression="v", ExpressionAttributeNames={"#x": "x"}
        )
    with raises("ValidationException", startswith="Provided list of item keys contains duplicates"):
        cached.cache.batch_get_item(RequestItems={table: {"Keys": [key("a"), key("a")]}})


def test_dropping_a_table_drops_its_entries(cached: Cached) -> None:
    # A table deleted and created again under its name does not answer from the old one.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    assert value_of(cached.cache, table, "a") == "1"
    cached.direct.delete_table(TableName=table)
    create_table(cached.direct, name=table)
    assert value_of(cached.cache, table, "a") is None


def test_projections_apply_to_cached_items(cached: Cached) -> None:
    # Items are cached whole; each request's projection is applied to the cached item.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item={**item("a", "1"), "w": {"N": "2"}})
    assert cached.cache.get_item(TableName=table, Key=key("a"))["Item"]["w"] == {"N": "2"}
    only = cached.cache.get_item(
        TableName=table, Key=key("a"), ProjectionExpression="#w", ExpressionAttributeNames={"#w": "w"}
    )
    assert only["Item"] == {"w": {"N": "2"}}
    again = cached.cache.get_item(
        TableName=table, Key=key("a"), ProjectionExpression="#w", ExpressionAttributeNames={"#w": "w"}
    )
    assert again["Item"] == {"w": {"N": "2"}}


def test_numbers_in_keys_match_by_value(cached: Cached) -> None:
    # Number keys are the same key however they are written (01.50 is 1.5).
    table = create_table(cached.direct, hash_key=("n", "N"))
    cached.direct.put_item(TableName=table, Item={"n": {"N": "1.5"}, "v": {"S": "x"}})
    assert cached.cache.get_item(TableName=table, Key={"n": {"N": "1.5"}})["Item"]["v"] == {"S": "x"}
    before = cached.item_stats()
    assert cached.cache.get_item(TableName=table, Key={"n": {"N": "01.50"}})["Item"]["v"] == {"S": "x"}
    assert cached.item_stats()["Hits"] == before["Hits"] + 1


def test_binary_keys(cached: Cached) -> None:
    # Binary keys are cached by their bytes on both front ends.
    table = create_table(cached.direct, hash_key=("b", "B"))
    cached.direct.put_item(TableName=table, Item={"b": {"B": b"\x00\xff"}, "v": {"S": "x"}})
    for _ in range(2):
        found = cached.cache.get_item(TableName=table, Key={"b": {"B": b"\x00\xff"}})
        assert found["Item"] == {"b": {"B": b"\x00\xff"}, "v": {"S": "x"}}


def test_bad_requests_for_cached_keys_get_the_same_errors(cached: Cached) -> None:
    # A request the table would refuse is refused even when its key is cached.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item=item("a", "1"))
    assert value_of(cached.cache, table, "a") == "1"  # cached now
    with raises(
        "ValidationException", "ExpressionAttributeNames can only be specified when using expressions"
    ):
        cached.cache.get_item(TableName=table, Key=key("a"), ExpressionAttributeNames={"#x": "x"})
    with raises("ValidationException", startswith="Value provided in ExpressionAttributeNames unused"):
        cached.cache.get_item(
            TableName=table, Key=key("a"), ProjectionExpression="v", ExpressionAttributeNames={"#x": "x"}
        )
    with raises("ValidationException"):
        cached.cache.get_item(
            TableName=table, Key=key("a"), ProjectionExpression="v", ExpressionAttributeNames={}
        )
    with raises("ValidationException", "The provided key element does not match the schema"):
        cached.cache.get_item(TableName=table, Key={**key("a"), "extra": {"S": "x"}})
    with raises("ValidationException"):
        cached.cache.get_item(TableName=table, Key=key("a"), ReturnConsumedCapacity="SOME")
    with raises("ValidationException", startswith="Provided list of item keys contains duplicates"):
        cached.cache.batch_get_item(RequestItems={table: {"Keys": [key("a"), key("a")]}})


def test_tables_named_by_arn_read_the_table(cached: Cached) -> None:
    # A table named by its ARN is served by the table itself, never from another name's entries.
    table = create_table(cached.direct)
    arn = cached.direct.describe_table(TableName=table)["Table"]["TableArn"]
    cached.direct.put_item(TableName=table, Item=item("a", "old"))
    assert value_of(cached.cache, table, "a") == "old"
    cached.direct.put_item(TableName=table, Item=item("a", "new"))
    assert value_of(cached.cache, arn, "a") == "new"
    found = cached.cache.batch_get_item(
        RequestItems={table: {"Keys": [key("a")]}, arn: {"Keys": [key("a")]}}, ReturnConsumedCapacity="TOTAL"
    )
    assert found["Responses"][arn][0]["v"] == {"S": "new"}
    assert [entry["TableName"] for entry in found["ConsumedCapacity"]] == [table]  # one entry per table


def test_index_query_hits_report_the_index_at_zero(cached: Cached) -> None:
    # With INDEXES, a hit reports the same shape as the read it replaces, at 0 units.
    table = create_gsi_table(cached.direct, index="by-g")
    cached.direct.put_item(TableName=table, Item={**item("a", "1"), "g": {"S": "x"}})
    request = {
        "TableName": table,
        "IndexName": "by-g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "x"}},
        "ReturnConsumedCapacity": "INDEXES",
    }
    first = cached.cache.query(**request)["ConsumedCapacity"]
    assert first["GlobalSecondaryIndexes"] == {"by-g": {"CapacityUnits": 0.5}}
    assert cached.cache.query(**request)["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 0.0,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 0.0}},
    }
    assert cached.cache.query(**{**request, "ReturnConsumedCapacity": "TOTAL"})["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 0.0,
    }
    assert "ConsumedCapacity" not in cached.cache.query(**{**request, "ReturnConsumedCapacity": "NONE"})


def test_legacy_projections_never_cache_partial_items(cached: Cached) -> None:
    # AttributesToGet trims the answer, never what is cached: a later plain read is whole.
    table = create_table(cached.direct)
    cached.direct.put_item(TableName=table, Item={**item("a", "1"), "w": {"S": "2"}})
    found = cached.cache.batch_get_item(RequestItems={table: {"Keys": [key("a")], "AttributesToGet": ["w"]}})
    assert found["Responses"][table] == [{"w": {"S": "2"}}]
    assert cached.cache.get_item(TableName=table, Key=key("a"), AttributesToGet=["v"])["Item"] == {
        "v": {"S": "1"}
    }
    assert cached.cache.get_item(TableName=table, Key=key("a"))["Item"] == {**item("a", "1"), "w": {"S": "2"}}
