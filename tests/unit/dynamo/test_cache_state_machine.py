"""State machines over the cache: random writes (through the cache and around it), cached
reads and clock moves, every read compared with what the engine answers uncached.

* coherent mode: whoever writes, every cached read (GetItem, BatchGetItem, Query on the
  table and on a GSI, Scan) equals the uncached one;
* dax mode, every write through the cache: item reads are never stale (read-after-write).
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from dynamo import Cache, CacheSettings, Client, Engine, Settings
from tests.helpers import ManualClock

PKS = st.sampled_from(["a", "b", "c"])
SKS = st.integers(0, 3)
GS = st.one_of(st.none(), st.sampled_from(["g1", "g2"]))
VALUES = st.integers(0, 9)
TABLE = "cached"


def _key(pk: str, sk: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


def _plain(response: dict[str, Any], *members: str) -> dict[str, Any]:
    return {m: response[m] for m in members if m in response}


def _sorted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["N"]))


class CachedTable(RuleBasedStateMachine):
    mode = "coherent"

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.engine = Engine(None, settings=Settings(maintenance_interval=0))
        # Small bounds and short TTLs, so evictions and expiries happen within a run.
        settings_ = CacheSettings(mode=self.mode, item_ttl=5, query_ttl=5, item_bytes=4096, query_bytes=8192)
        self.cache = Cache(self.engine, settings_, clock=self.clock)
        self.cached = Client(self.engine, parameter_validation=False, cache=self.cache)
        self.direct = Client(self.engine, parameter_validation=False)
        self.direct.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )

    def teardown(self) -> None:
        self.cache.close()
        self.engine.close()

    def writer(self, through_cache: bool) -> Client:
        return self.cached if through_cache or self.mode == "dax" else self.direct

    # -- writes -------------------------------------------------------------------------------

    @rule(pk=PKS, sk=SKS, g=GS, v=VALUES, through_cache=st.booleans())
    def put(self, pk: str, sk: int, g: str | None, v: int, through_cache: bool) -> None:
        item = {**_key(pk, sk), "v": {"N": str(v)}}
        if g is not None:
            item["g"] = {"S": g}
        self.writer(through_cache).put_item(TableName=TABLE, Item=item)

    @rule(pk=PKS, sk=SKS, v=VALUES, through_cache=st.booleans())
    def add(self, pk: str, sk: int, v: int, through_cache: bool) -> None:
        self.writer(through_cache).update_item(
            TableName=TABLE,
            Key=_key(pk, sk),
            UpdateExpression="ADD v :v",
            ExpressionAttributeValues={":v": {"N": str(v)}},
        )

    @rule(pk=PKS, sk=SKS, through_cache=st.booleans())
    def delete(self, pk: str, sk: int, through_cache: bool) -> None:
        self.writer(through_cache).delete_item(TableName=TABLE, Key=_key(pk, sk))

    @rule(pk=PKS, sks=st.lists(SKS, min_size=1, max_size=3, unique=True), through_cache=st.booleans())
    def transact(self, pk: str, sks: list[int], through_cache: bool) -> None:
        actions = [
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": _key(pk, sk),
                    "UpdateExpression": "SET w = :w",
                    "ExpressionAttributeValues": {":w": {"S": "t"}},
                }
            }
            for sk in sks
        ]
        self.writer(through_cache).transact_write_items(TransactItems=actions)

    @rule(seconds=st.sampled_from([0.5, 3, 6]))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds

    # -- reads ---------------------------------------------------------------------------------

    @rule(pk=PKS, sk=SKS, projection=st.sampled_from([None, "v", "pk, g"]))
    def get(self, pk: str, sk: int, projection: str | None) -> None:
        request: dict[str, Any] = {"TableName": TABLE, "Key": _key(pk, sk)}
        if projection is not None:
            request["ProjectionExpression"] = projection
        assert _plain(self.cached.get_item(**request), "Item") == _plain(
            self.direct.get_item(**request), "Item"
        )

    @rule(pk=PKS, sks=st.lists(SKS, min_size=1, max_size=4, unique=True))
    def batch_get(self, pk: str, sks: list[int]) -> None:
        request = {TABLE: {"Keys": [_key(pk, sk) for sk in sks]}}
        cached = self.cached.batch_get_item(RequestItems=request)
        direct = self.direct.batch_get_item(RequestItems=request)
        assert _sorted(cached["Responses"][TABLE]) == _sorted(direct["Responses"][TABLE])
        assert cached["UnprocessedKeys"] == direct["UnprocessedKeys"] == {}

    @precondition(lambda self: self.mode == "coherent")
    @rule(pk=PKS, forward=st.booleans(), limit=st.sampled_from([None, 2]))
    def query(self, pk: str, forward: bool, limit: int | None) -> None:
        request: dict[str, Any] = {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": pk}},
            "ScanIndexForward": forward,
        }
        if limit is not None:
            request["Limit"] = limit
        members = ("Items", "Count", "ScannedCount", "LastEvaluatedKey")
        assert _plain(self.cached.query(**request), *members) == _plain(
            self.direct.query(**request), *members
        )

    @precondition(lambda self: self.mode == "coherent")
    @rule(g=st.sampled_from(["g1", "g2"]))
    def query_index(self, g: str) -> None:
        request = {
            "TableName": TABLE,
            "IndexName": "by-g",
            "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": {"S": g}},
        }
        assert _sorted(self.cached.query(**request)["Items"]) == _sorted(
            self.direct.query(**request)["Items"]
        )

    @precondition(lambda self: self.mode == "coherent")
    @rule()
    def scan(self) -> None:
        request = {
            "TableName": TABLE,
            "FilterExpression": "v > :z",
            "ExpressionAttributeValues": {":z": {"N": "3"}},
        }
        assert _sorted(self.cached.scan(**request)["Items"]) == _sorted(self.direct.scan(**request)["Items"])


class DaxWritesThrough(CachedTable):
    mode = "dax"


CachedTable.TestCase.settings = settings(max_examples=60, stateful_step_count=40)
DaxWritesThrough.TestCase.settings = settings(max_examples=40, stateful_step_count=40)
test_coherent_cache_equals_the_uncached_engine = CachedTable.TestCase
test_dax_reads_after_writes_through_the_cache = DaxWritesThrough.TestCase
