"""Read benchmark: Query pages and full Scans, embedded and over HTTP, against raw LMDB.

Data: PARTITIONS partitions of 100 items of ~1 KB (a table keyed pk S / sk N). Measured in
one run:

* ``raw``      - an LMDB cursor over the same 100 items + ``msgpack.unpackb`` (the ceiling);
* ``embedded`` - ``client.query`` of one partition (no filter, and a filter keeping half),
  and a full paginated ``client.scan``;
* ``http``     - the same requests as JSON over one keep-alive connection to
  ``dynamo serve`` (a plain HTTP client, not boto3, so the server is what is measured).

Target (issue 4): an embedded Query page of 100 x 1 KB items costs under 10x the raw read.

    python -m benchmarks.reads [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    HttpCaller,
    arguments,
    dynamo_server,
    environment,
    peak_rss_mb,
    rss_line,
    save,
    timed,
)

TABLE = "reads"
PER_PARTITION = 100


def make_item(p: int, i: int) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": f"part{p:04d}"}, "sk": {"N": str(i)}, "v": {"N": str(i % 2)}}
    for f in range(10):
        item[f"f{f}"] = {"S": (f"{p}-{i}-" * 30)[:90]}
    return item


def load(path: str, partitions: int) -> None:
    import dynamo

    with dynamo.connect(path, durability="relaxed", parameter_validation=False) as client:
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
        )
        for p in range(partitions):
            for i in range(PER_PARTITION):
                client.put_item(TableName=TABLE, Item=make_item(p, i))


def run_raw(partitions: int, repeat: int) -> dict[str, Any]:
    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory() as path:
        env = lmdb.open(path, map_size=1 << 32, max_dbs=4)
        db = env.open_db(b"t")
        with env.begin(write=True, db=db) as txn:
            for p in range(partitions):
                for i in range(PER_PARTITION):
                    txn.put(f"part{p:04d}".encode() + i.to_bytes(4, "big"), msgpack.packb(make_item(p, i)))
        rng = random.Random(1)

        def page() -> int:
            prefix = f"part{rng.randrange(partitions):04d}".encode()
            count = 0
            with env.begin(db=db) as txn:
                cursor = txn.cursor()
                cursor.set_range(prefix)
                for key, value in cursor:
                    if not key.startswith(prefix):
                        break
                    msgpack.unpackb(value)
                    count += 1
            return count

        def scan() -> int:
            with env.begin(db=db) as txn:
                return sum(1 for _, value in txn.cursor() if msgpack.unpackb(value))

        results = {"Query 100": timed(page, repeat), "Scan all": timed(scan, max(3, repeat // 50))}
        env.close()
    return results


def run_embedded(path: str, partitions: int, repeat: int) -> dict[str, Any]:
    import dynamo

    client = dynamo.connect(path)
    rng = random.Random(1)

    def query(filtered: bool) -> Callable[[], int]:
        def call() -> int:
            params: dict[str, Any] = {
                "TableName": TABLE,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": f"part{rng.randrange(partitions):04d}"}},
            }
            if filtered:
                params["FilterExpression"] = "v = :one"
                params["ExpressionAttributeValues"][":one"] = {"N": "1"}
            return int(client.query(**params)["ScannedCount"])

        return call

    def scan() -> int:
        total, start = 0, None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = client.scan(TableName=TABLE, **extra)
            total += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return total

    results = {
        "Query 100": timed(query(False), repeat),
        "Query 100, filter keeps half": timed(query(True), repeat),
        "Scan all": timed(scan, max(3, repeat // 50)),
    }
    client.close()
    return results


def run_http(path: str, partitions: int, repeat: int) -> dict[str, Any]:
    with dynamo_server("--data-dir", path) as url:
        call = HttpCaller(url)
        rng = random.Random(1)

        def query(filtered: bool) -> Callable[[], int]:
            def run() -> int:
                body: dict[str, Any] = {
                    "TableName": TABLE,
                    "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": {"S": f"part{rng.randrange(partitions):04d}"}},
                }
                if filtered:
                    body["FilterExpression"] = "v = :one"
                    body["ExpressionAttributeValues"][":one"] = {"N": "1"}
                return int(call("Query", body)["ScannedCount"])

            return run

        def scan() -> int:
            total, start = 0, None
            while True:
                body: dict[str, Any] = {"TableName": TABLE}
                if start:
                    body["ExclusiveStartKey"] = start
                page = call("Scan", body)
                total += page["Count"]
                start = page.get("LastEvaluatedKey")
                if not start:
                    return total

        results = {
            "Query 100": timed(query(False), repeat),
            "Query 100, filter keeps half": timed(query(True), repeat),
            "Scan all": timed(scan, max(3, repeat // 50)),
        }
        call.close()
    return results


def render(report: dict[str, Any]) -> str:
    raw = report["targets"]["raw"]
    lines = [
        "# Read benchmark: Query and Scan, embedded and HTTP, vs raw LMDB cursor + msgpack",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; {report['partitions']} partitions "
        f"x 100 items of ~1 KB. Ratio = time per op / raw LMDB's for the same read.",
        "",
        "| target | read | ops/s | items/s | p50 µs | p99 µs | ratio vs raw |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in ("raw", "embedded", "http"):
        for op, stats in report["targets"][target].items():
            base = raw.get("Query 100" if op.startswith("Query") else "Scan all")
            ratio = base["ops_per_s"] / stats["ops_per_s"]
            lines.append(
                f"| {target} | {op} | {stats['ops_per_s']:,.0f} | {stats['items_per_s']:,.0f} | {stats['p50_us']:,.0f} "
                f"| {stats['p99_us']:,.0f} | {ratio:.1f}x |"
            )
    lines += ["", rss_line(report), ""]
    return "\n".join(lines)


def main() -> None:
    parser = arguments(__doc__, "reads")
    args = parser.parse_args()
    partitions, repeat = (10, 200) if args.quick else (50, 1000)
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as path:
        load(path, partitions)
        report: dict[str, Any] = {
            **environment(),
            "partitions": partitions,
            "targets": {
                "raw": run_raw(partitions, repeat),
                "embedded": run_embedded(path, partitions, repeat),
                "http": run_http(path, partitions, repeat),
            },
        }
    report["peak_rss_mb"] = peak_rss_mb()
    save(args.out, "reads", render(report), report)


if __name__ == "__main__":
    main()
