"""Streams and TTL benchmark: what a stream costs a write, and how fast TTL deletes.

* **PutItem with a stream.** Embedded PutItem of ~1 KB items into a table without a
  stream, then with a NEW_AND_OLD_IMAGES stream (every put also writes a record in the
  same LMDB transaction), in strict and relaxed durability. Baseline: raw LMDB + msgpack
  puts, one transaction each. Target (issue 6): a stream costs at most 30% of PutItem
  throughput.
* **TTL sweep.** N expired ~200-byte items, swept by ``engine.maintenance.sweep_ttl`` (strict
  durability, 1000 deletions per transaction), on a plain table and on one with a GSI and
  a stream (so each deletion also removes an index entry and writes a REMOVE record).
  Baseline: raw LMDB, deleting every key in transactions of 1000. Target: at least 20,000
  expired items deleted per second embedded.

    python -m benchmarks.streams [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from benchmarks.common import arguments, embedded_puts, environment, peak_rss_mb, rss_line, save, timed

TABLE = "bench"


def make_item(i: int, pad: int) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": f"user{i:010d}"}, "n": {"N": str(i)}}
    if pad:
        item["pad"] = {"S": ("x" * pad)}
    return item


def create(client: Any, *, stream: bool, gsi: bool = False) -> None:
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    extra: dict[str, Any] = {}
    if stream:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if gsi:
        definitions.append({"AttributeName": "g", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = [
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=definitions,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def puts_raw(count: int, durability: str) -> dict[str, float]:
    import lmdb
    import msgpack

    items = [make_item(i, 1000) for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="bench-streams-") as path:
        env = lmdb.open(path, map_size=1 << 32, max_dbs=4, metasync=durability == "strict", readahead=False)
        db = env.open_db(b"t")
        counter = iter(range(count))

        def put() -> int:
            item = items[next(counter)]
            with env.begin(write=True, db=db) as txn:
                txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
            return 1

        result = timed(put, count)
        env.close()
    return result


def puts_embedded(count: int, durability: str, stream: bool) -> dict[str, float]:
    items = [make_item(i, 1000) for i in range(count)]
    return embedded_puts(TABLE, items, durability, lambda client: create(client, stream=stream))


def sweep_raw(count: int) -> dict[str, float]:
    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory(prefix="bench-ttl-") as path:
        env = lmdb.open(path, map_size=1 << 32, max_dbs=4, readahead=False)
        db = env.open_db(b"t")
        with env.begin(write=True, db=db) as txn:
            for i in range(count):
                item = make_item(i, 150)
                txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
        start = time.perf_counter()
        while True:
            with env.begin(write=True, db=db) as txn:
                keys = []
                for key, value in txn.cursor():
                    msgpack.unpackb(value)  # a sweep looks at every item
                    keys.append(key)
                    if len(keys) == 1000:
                        break
                for key in keys:
                    txn.delete(key)
            if not keys:
                break
        elapsed = time.perf_counter() - start
        env.close()
    return {"items": count, "seconds": elapsed, "items_per_s": count / elapsed}


def sweep_embedded(count: int, *, stream: bool, gsi: bool) -> dict[str, float]:
    import dynamo

    with tempfile.TemporaryDirectory(prefix="bench-ttl-") as path:
        now = time.time()
        with dynamo.connect(
            path, durability="relaxed", maintenance_interval=0, parameter_validation=False
        ) as client:
            create(client, stream=stream, gsi=gsi)
            client.update_time_to_live(
                TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
            )
            for start in range(0, count, 25):
                requests = []
                for i in range(start, min(start + 25, count)):
                    item = {**make_item(i, 150), "exp": {"N": str(int(now - 60))}}
                    if gsi:
                        item["g"] = {"S": f"g{i % 100}"}
                    requests.append({"PutRequest": {"Item": item}})
                client.batch_write_item(RequestItems={TABLE: requests})
        with dynamo.connect(path, durability="strict", maintenance_interval=0) as client:
            begin = time.perf_counter()
            deleted = client.engine.maintenance.sweep_ttl(now, budget=10 * count)
            elapsed = time.perf_counter() - begin
            assert deleted == count and client.scan(TableName=TABLE, Select="COUNT")["Count"] == 0
    return {"items": count, "seconds": elapsed, "items_per_s": count / elapsed}


def render(report: dict[str, Any]) -> str:
    puts = report["puts"]
    lines = [
        "# Streams and TTL benchmark",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}.",
        "",
        f"## PutItem with and without a stream ({report['put_count']} puts of ~1 KB, one call each)",
        "",
        "| durability | target | ops/s | p50 µs | p99 µs | vs no stream |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for durability in ("strict", "relaxed"):
        base = puts[durability]["embedded, no stream"]["ops_per_s"]
        for target, stats in puts[durability].items():
            relative = (
                f"{(1 - stats['ops_per_s'] / base) * 100:+.0f}% cost"
                if target.endswith("with stream")
                else ""
            )
            lines.append(
                f"| {durability} | {target} | {stats['ops_per_s']:,.0f} | {stats['p50_us']:,.0f} "
                f"| {stats['p99_us']:,.0f} | {relative} |"
            )
    lines += [
        "",
        f"## TTL sweep ({report['ttl_count']:,} expired items of ~200 bytes, strict durability)",
        "",
        "| target | items/s | seconds |",
        "| --- | ---: | ---: |",
    ]
    for target, stats in report["ttl"].items():
        lines.append(f"| {target} | {stats['items_per_s']:,.0f} | {stats['seconds']:.2f} |")
    lines += ["", rss_line(report), ""]
    return "\n".join(lines)


def main() -> None:
    parser = arguments(__doc__, "streams")
    args = parser.parse_args()
    put_count, ttl_count = (500, 5_000) if args.quick else (5_000, 50_000)
    report: dict[str, Any] = {
        **environment(),
        "put_count": put_count,
        "ttl_count": ttl_count,
        "puts": {},
        "ttl": {},
    }
    for durability in ("strict", "relaxed"):
        report["puts"][durability] = {
            "raw LMDB + msgpack": puts_raw(put_count, durability),
            "embedded, no stream": puts_embedded(put_count, durability, stream=False),
            "embedded, with stream": puts_embedded(put_count, durability, stream=True),
        }
    report["ttl"] = {
        "raw LMDB (scan + delete)": sweep_raw(ttl_count),
        "embedded sweep": sweep_embedded(ttl_count, stream=False, gsi=False),
        "embedded sweep, GSI + stream": sweep_embedded(ttl_count, stream=True, gsi=True),
    }
    report["peak_rss_mb"] = peak_rss_mb()
    save(args.out, "streams", render(report), report)


if __name__ == "__main__":
    main()
