"""Cache benchmark: the DAX-like cache against the uncached engine, embedded and over HTTP.

Data: ITEMS items of ~1 KB in a hash-key table. Measured in one run:

* embedded - ``client.get_item`` of random keys without a cache, and through a warm cache
  (every key cached: hits only), plain and with a projection; BatchGetItem of 100 keys;
  a Query; and the first, missing read through the cache (the read-through's own cost);
* memory   - a cache bounded at BOUND_MB read through every item: the bytes it accounts,
  and the Python heap it actually holds (tracemalloc), against the bound;
* http     - GetItem of random keys as pre-built HTTP requests from an asyncio load
  generator (not boto3) on CONNECTIONS keep-alive connections: the main port (uncached),
  the cache port of the same server (warm), and a canned-response server (the floor);
  requests/s, latency and the server's CPU time per request.

Targets (issue 9): a cached GetItem hit costs at most 1/5 of an uncached embedded GetItem;
the cache endpoint serves at least 1.5x the requests/s of the main port; the cache stays
within its bound. A hit must hand out a fresh copy of the item (as every boto3 response
is), so its floor is decoding the item (orjson, ~1.4 µs for the 12-attribute 1 KB item)
plus building the response and its ResponseMetadata (~1 µs): the 1 KB item's hit lands
at about a quarter of an uncached GetItem, a small item's at about a fifth.

    python -m benchmarks.cache [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import gc
import itertools
import random
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.common import (
    ROOT,
    HttpCaller,
    arguments,
    canned_process,
    environment,
    measured,
    peak_rss_mb,
    rss_line,
    save,
)
from benchmarks.load import drive, render, server_cpu

TABLE = "cached"
BOUND_MB = 4
CONNECTIONS = 4


def make_item(i: int) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": f"user{i:07d}"}, "n": {"N": str(i)}}
    for f in range(10):
        item[f"f{f}"] = {"S": (f"{i}-{f}-" * 30)[:90]}
    return item


def make_small_item(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"user{i:07d}"}, "n": {"N": str(i)}, "name": {"S": f"name of user {i}"}}


def key(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"user{i:07d}"}}


SMALL = "small"


def batches(table: str, make: Callable[[int], dict[str, Any]], items: int) -> Iterator[dict[str, Any]]:
    """BatchWriteItem RequestItems putting items 0..items-1 of ``table``."""
    for start in range(0, items, 25):
        yield {table: [{"PutRequest": {"Item": make(i)}} for i in range(start, min(items, start + 25))]}


SCHEMA = {
    "TableName": TABLE,
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
}


def run_embedded(items: int, repeat: int) -> list[dict[str, Any]]:
    import dynamo
    from dynamo import Cache, CacheSettings, Client

    with tempfile.TemporaryDirectory(prefix="bench-cache-") as path:
        with dynamo.connect(path, durability="relaxed", maintenance_interval=0) as loader:
            for table, make in ((TABLE, make_item), (SMALL, make_small_item)):
                loader.create_table(**{**SCHEMA, "TableName": table})
                for start in range(0, items, 25):
                    requests = [
                        {"PutRequest": {"Item": make(i)}} for i in range(start, min(items, start + 25))
                    ]
                    loader.batch_write_item(RequestItems={table: requests})
        with dynamo.connect(path, maintenance_interval=0) as plain:
            engine = plain.engine
            cache = Cache(engine, CacheSettings(item_ttl=0, item_bytes=1 << 30))
            cached = Client(engine, cache=cache)
            rng = random.Random(7)
            keys = [key(rng.randrange(items)) for _ in range(4 * repeat)]

            def reads(client: Any, table: str = TABLE, **extra: Any) -> Callable[[], Any]:
                pending = itertools.cycle(keys).__next__
                get = client.get_item
                if not extra:
                    return lambda: get(TableName=table, Key=pending())
                return lambda: get(TableName=table, Key=pending(), **extra)

            misses = [key(i) for i in range(items)]
            first = measured(lambda: cached.get_item(TableName=TABLE, Key=misses.pop()), items // 2)
            for i in range(items):  # warm: every key cached
                cached.get_item(TableName=TABLE, Key=key(i))
                cached.get_item(TableName=SMALL, Key=key(i))
            projection = {"ProjectionExpression": "n, f1"}
            cached.get_item(TableName=TABLE, Key=key(0), **projection)
            cases = [
                ("GetItem", "uncached", measured(reads(plain), repeat)),
                ("GetItem", "cache hit", measured(reads(cached), repeat)),
                ("GetItem", "cache miss (read-through)", first),
                ("GetItem (3 attributes, 60 B)", "uncached", measured(reads(plain, SMALL), repeat)),
                ("GetItem (3 attributes, 60 B)", "cache hit", measured(reads(cached, SMALL), repeat)),
                ("GetItem + projection", "uncached", measured(reads(plain, **projection), repeat)),
                ("GetItem + projection", "cache hit", measured(reads(cached, **projection), repeat)),
            ]
            batch = {TABLE: {"Keys": [key(i) for i in rng.sample(range(items), 100)]}}
            query = {
                "TableName": TABLE,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": key(5)["pk"]},
            }
            cached.batch_get_item(RequestItems=batch)
            cached.query(**query)
            for name, client in (("uncached", plain), ("cache hit", cached)):
                cases.append(
                    (
                        "BatchGetItem x100",
                        name,
                        measured(lambda c=client: c.batch_get_item(RequestItems=batch), repeat // 50),
                    )
                )
            for name, client in (("uncached", plain), ("cache hit", cached)):
                cases.append(
                    ("Query (1 item)", name, measured(lambda c=client: c.query(**query), repeat // 5))
                )
            cached.close()
    rows: list[dict[str, Any]] = []
    base: dict[str, float] = {}
    for op, name, result in cases:
        if name == "uncached":
            base[op] = result["ops_per_s"]
        # cost: this target's time per call relative to the uncached call's.
        rows.append({"op": op, "target": name, **result, "cost": base[op] / result["ops_per_s"]})
    return rows


def run_memory(items: int) -> dict[str, Any]:
    import dynamo
    from dynamo import Cache, CacheSettings, Client

    bound = BOUND_MB * 1024 * 1024
    with dynamo.connect(durability="relaxed", maintenance_interval=0) as client:
        client.create_table(**SCHEMA)
        for request in batches(TABLE, make_item, items):
            client.batch_write_item(RequestItems=request)
        cache = Cache(client.engine, CacheSettings(item_ttl=0, item_bytes=bound))
        cached = Client(client.engine, cache=cache)
        cached.get_item(TableName=TABLE, Key=key(0))  # first-call allocations out of the count
        for i in range(items):  # and the engine's own (its read path's buffers)
            client.get_item(TableName=TABLE, Key=key(i))
        gc.collect()
        tracemalloc.start()
        for _ in range(2):
            for i in range(items):
                cached.get_item(TableName=TABLE, Key=key(i))
        gc.collect()
        full = tracemalloc.get_traced_memory()[0]
        stats = cache.stats()["ItemCache"]
        cache.items.clear()  # what the cache held is what clearing it gives back
        gc.collect()
        held = full - tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        cached.close()
    return {
        "bound_bytes": bound,
        "accounted_bytes": stats["SizeBytes"],
        "heap_bytes": held,
        "entries": stats["Entries"],
        "evictions": stats["Evictions"],
    }


def run_http(items: int, seconds: float) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from tests.helpers import free_port, running_server, wait_for_server

    rng = random.Random(11)
    sample = [rng.randrange(items) for _ in range(5000)]
    rows = []
    dax_port = free_port()
    args = ("--in-memory", "--durability", "relaxed", "--dax-port", str(dax_port), "--cache-item-ttl", "0")
    with running_server(*args) as (url, process):
        cache_url = f"http://127.0.0.1:{dax_port}"
        wait_for_server(cache_url)
        caller = HttpCaller(url)
        caller("CreateTable", SCHEMA)
        for start in range(0, items, 25):
            requests = [{"PutRequest": {"Item": make_item(i)}} for i in range(start, min(items, start + 25))]
            caller("BatchWriteItem", {"RequestItems": {TABLE: requests}})
        caller.close()
        warm = HttpCaller(cache_url)
        for start in range(0, items, 100):
            keys = [key(i) for i in range(start, min(items, start + 100))]
            warm("BatchGetItem", {"RequestItems": {TABLE: {"Keys": keys}}})  # each key cached
        warm.close()
        for name, target in (("main port (uncached)", url), ("cache port (hits)", cache_url)):
            requests = [render(target, "GetItem", {"TableName": TABLE, "Key": key(i)}) for i in sample]
            rows.append(_drive(name, target, process.pid, requests, seconds))
    with canned_process() as (url, process):
        requests = [render(url, "GetItem", {"TableName": TABLE, "Key": key(i)}) for i in sample]
        rows.append(_drive("canned floor", url, process.pid, requests, seconds))
    return rows


def _drive(name: str, url: str, pid: int, requests: list[bytes], seconds: float) -> dict[str, Any]:
    drive(url, requests[:200], connections=CONNECTIONS, seconds=0.3)  # warm the connections' paths
    cpu = server_cpu(pid)
    result = drive(url, requests, connections=CONNECTIONS, seconds=seconds)
    used = server_cpu(pid) - cpu
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors} requests failed")
    return {
        "target": name,
        "ops_per_s": result.per_second,
        "p50_us": result.percentile(0.5),
        "p99_us": result.percentile(0.99),
        "server_cpu_us": used / result.requests * 1e6,
    }


def report(items: int, repeat: int, seconds: float) -> tuple[str, dict[str, Any]]:
    embedded = run_embedded(items, repeat)
    memory = run_memory(items)
    http = run_http(items, seconds)
    result = {
        **environment(),
        "items": items,
        "embedded": embedded,
        "memory": memory,
        "http": http,
        "peak_rss_mb": peak_rss_mb(),
    }
    env = result
    lines = [
        "# Cache benchmark: the DAX-like cache against the uncached engine",
        "",
        f"Run {env['when']} on {env['machine']}, Python {env['python']}; {items} items of ~1 KB, "
        "random keys.",
        "",
        "## Embedded (dynamo.connect, default parameter validation)",
        "",
        "ops/s from a plain loop of calls; latency percentiles from a timed run of the same calls; "
        "cost = time per call relative to the same call without the cache.",
        "",
        "| op | target | ops/s | p50 µs | p99 µs | cost |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in embedded:
        lines.append(
            f"| {row['op']} | {row['target']} | {row['ops_per_s']:,.0f} | {row['p50_us']:.1f} | "
            f"{row['p99_us']:.1f} | {row['cost']:.2f} |"
        )
    hit = next(r for r in embedded if r["op"] == "GetItem" and r["target"] == "cache hit")
    small = next(r for r in embedded if r["op"].startswith("GetItem (3") and r["target"] == "cache hit")
    lines += [
        "",
        f"A cached GetItem hit costs **{hit['cost']:.2f}** of an uncached GetItem for the 1 KB item "
        f"(12 attributes) and **{small['cost']:.2f}** for a 3-attribute item (target: at most 0.20; "
        "the floor is decoding a fresh copy of the item and building the response, see the "
        "module docstring).",
        "",
        "## Memory",
        "",
        f"A cache bounded at {BOUND_MB} MB, read through all {items} items twice: it accounts "
        f"{memory['accounted_bytes'] / 2**20:.2f} MB in {memory['entries']} entries "
        f"({memory['evictions']} evictions); the Python heap it holds (tracemalloc: what clearing it frees) is "
        f"**{memory['heap_bytes'] / 2**20:.2f} MB** "
        f"({memory['heap_bytes'] / memory['bound_bytes']:.0%} of the bound).",
        "",
        f"## HTTP (GetItem, {CONNECTIONS} keep-alive connections, asyncio load generator, {seconds:g} s each)",
        "",
        "| target | requests/s | p50 µs | p99 µs | server CPU µs/request |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in http:
        lines.append(
            f"| {row['target']} | {row['ops_per_s']:,.0f} | {row['p50_us']:.0f} | {row['p99_us']:.0f} | "
            f"{row['server_cpu_us']:.0f} |"
        )
    speedup = http[1]["ops_per_s"] / http[0]["ops_per_s"]
    lines += [
        "",
        f"The cache port serves **{speedup:.2f}x** the requests/s of the main port (target: at least 1.5x).",
        "",
        rss_line(result),
        "",
        "Reproduce: `python -m benchmarks.cache`.",
        "",
    ]
    return "\n".join(lines), result


def main() -> None:
    parser = arguments(__doc__, "cache")
    args = parser.parse_args()
    items, repeat, seconds = (2_000, 20_000, 1.0) if args.quick else (10_000, 100_000, 4.0)
    text, result = report(items, repeat, seconds)
    save(args.out, "cache", text, result)


if __name__ == "__main__":
    main()
