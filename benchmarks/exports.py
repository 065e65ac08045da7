"""Export and import benchmark: S3-style exports and imports of ~1 KB items, embedded.

* **Export.** ExportTableToPointInTime (DYNAMODB_JSON, ION) of a table of N items, from
  the request until the export is COMPLETED: PITR read of the table, encoding, gzip,
  MD5s, manifests. Baseline: raw LMDB + msgpack read, orjson lines, gzip, same files.
* **Import.** ImportTable of those exports (and of a CSV file of the same items) until
  the table is ACTIVE: decompression, parsing, PutItem's checks, index-free writes in
  1,000-item transactions. Baseline: gzip lines, orjson, msgpack, LMDB puts in 1,000s.

Target (issue 8): export and import of 100,000 1 KB items at >= 15,000 items/s (JSON),
with memory flat: each phase's growth of anonymous memory (RssAnon, so LMDB's file-backed
pages do not count) is reported for two table sizes and must not grow with the table.

    python -m benchmarks.exports [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import csv
import gzip
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.common import arguments, environment, peak_rss_mb, rss_line, save

TABLE = "bench"
BUCKET = "bucket"


def make_item(i: int) -> dict[str, Any]:
    """~1 KB: a key, a number, a set, a flag and a padding string."""
    return {
        "pk": {"S": f"user{i:010d}"},
        "n": {"N": str(i * 7)},
        "tags": {"SS": ["a", "b", f"t{i % 10}"]},
        "flag": {"BOOL": i % 2 == 0},
        "pad": {"S": f"{i:x}" * (940 // len(f"{i:x}"))},
    }


def anon_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def memory_growth() -> Iterator[dict[str, float]]:
    """Sample anonymous RSS while the block runs; ``growth_mb`` is its peak above the start."""
    result: dict[str, float] = {}
    start = anon_rss_mb()
    peak = start
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, anon_rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result["growth_mb"] = max(peak, anon_rss_mb()) - start


def phase(count: int, action: Callable[[], None]) -> dict[str, float]:
    with memory_growth() as memory:
        begin = time.perf_counter()
        action()
        elapsed = time.perf_counter() - begin
    return {"seconds": elapsed, "items_per_s": count / elapsed, "growth_mb": memory["growth_mb"]}


# -- baselines ---------------------------------------------------------------------------


def raw_round_trip(count: int, folder: str) -> dict[str, dict[str, float]]:
    """LMDB + msgpack + orjson + gzip: the floor under an export and an import."""
    import lmdb
    import msgpack
    import orjson

    env = lmdb.open(os.path.join(folder, "raw"), map_size=1 << 34, max_dbs=4, readahead=False)
    source, target = env.open_db(b"s"), env.open_db(b"t")
    with env.begin(write=True, db=source) as txn:
        for i in range(count):
            item = make_item(i)
            txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
    path = os.path.join(folder, "raw.json.gz")

    def export() -> None:
        with env.begin(db=source) as txn, gzip.open(path, "wb", compresslevel=1) as out:
            for _, value in txn.cursor():
                out.write(orjson.dumps({"Item": msgpack.unpackb(value)}) + b"\n")

    def load() -> None:
        with gzip.open(path, "rb") as lines:
            pending = iter(lines)
            while True:
                with env.begin(write=True, db=target) as txn:
                    moved = 0
                    for line in pending:
                        item = orjson.loads(line)["Item"]
                        txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
                        moved += 1
                        if moved == 1000:
                            break
                if moved < 1000:
                    break

    results = {"raw LMDB+msgpack -> gzip JSON (baseline)": phase(count, export)}
    results["gzip JSON -> raw LMDB+msgpack (baseline)"] = phase(count, load)
    env.close()
    return results


# -- the engine --------------------------------------------------------------------------


def engine_round_trip(count: int, folder: str) -> dict[str, dict[str, float]]:
    import dynamo

    path = os.path.join(folder, "data")
    with dynamo.connect(
        path, durability="relaxed", maintenance_interval=0, parameter_validation=False
    ) as client:
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        spec = {"PointInTimeRecoveryEnabled": True}
        client.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification=spec)
        for start in range(0, count, 25):
            batch = [{"PutRequest": {"Item": make_item(i)}} for i in range(start, min(start + 25, count))]
            client.batch_write_item(RequestItems={TABLE: batch})
    bucket = os.path.join(path, "s3", BUCKET)
    os.makedirs(bucket)
    with open(os.path.join(bucket, "items.csv"), "w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["pk", "n", "pad"])
        for i in range(count):
            item = make_item(i)
            rows.writerow([item["pk"]["S"], item["n"]["N"], item["pad"]["S"]])

    results: dict[str, dict[str, float]] = {}
    with dynamo.connect(path, maintenance_interval=0, parameter_validation=False) as client:
        table_arn = client.describe_table(TableName=TABLE)["Table"]["TableArn"]
        folders: dict[str, str] = {}
        for fmt in ("DYNAMODB_JSON", "ION"):

            def export(fmt: str = fmt) -> None:
                started = client.export_table_to_point_in_time(
                    TableArn=table_arn, S3Bucket=BUCKET, S3Prefix=fmt, ExportFormat=fmt
                )["ExportDescription"]
                client.engine.jobs.wait()
                done = client.describe_export(ExportArn=started["ExportArn"])["ExportDescription"]
                assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == count, done
                folders[fmt] = done["ExportManifest"].rpartition("/")[0] + "/data/"

            results[f"ExportTableToPointInTime {fmt}"] = phase(count, export)
        for fmt, prefix, compression in (
            ("DYNAMODB_JSON", folders["DYNAMODB_JSON"], "GZIP"),
            ("ION", folders["ION"], "GZIP"),
            ("CSV", "items.csv", "NONE"),
        ):

            def load(fmt: str = fmt, prefix: str = prefix, compression: str = compression) -> None:
                target = f"imported-{fmt.lower().replace('_', '-')}"
                client.import_table(
                    S3BucketSource={"S3Bucket": BUCKET, "S3KeyPrefix": prefix},
                    InputFormat=fmt,
                    InputCompressionType=compression,
                    TableCreationParameters={
                        "TableName": target,
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                        "BillingMode": "PAY_PER_REQUEST",
                    },
                )
                client.engine.jobs.wait()
                table = client.describe_table(TableName=target)["Table"]
                assert table["TableStatus"] == "ACTIVE" and table["ItemCount"] == count, table

            results[f"ImportTable {fmt} ({compression.lower()})"] = phase(count, load)
    return results


def run(count: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        return {**raw_round_trip(count, folder), **engine_round_trip(count, folder)}


def render(report: dict[str, Any]) -> str:
    small, large = report["sizes"]
    lines = [
        "# Export and import benchmark",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}. Embedded, items of ~1 KB;",
        "each phase runs from the request until the export is COMPLETED or the imported table ACTIVE.",
        "Memory: growth of anonymous RSS (not LMDB's mapped file) during the phase, for two table sizes.",
        "",
        f"| phase | items/s ({large:,} items) | seconds | memory growth MB ({small:,} / {large:,} items) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, stats in report["runs"][str(large)].items():
        smaller = report["runs"][str(small)][name]
        lines.append(
            f"| {name} | {stats['items_per_s']:,.0f} | {stats['seconds']:.2f} "
            f"| {smaller['growth_mb']:.0f} / {stats['growth_mb']:.0f} |"
        )
    lines += ["", rss_line(report), ""]
    return "\n".join(lines)


def main() -> None:
    args = arguments(__doc__, "exports").parse_args()
    sizes = (2_000, 5_000) if args.quick else (25_000, 100_000)
    report: dict[str, Any] = {**environment(), "sizes": sizes, "runs": {}}
    for size in sizes:
        report["runs"][str(size)] = run(size)
    report["peak_rss_mb"] = peak_rss_mb()
    save(args.out, "exports", render(report), report)


if __name__ == "__main__":
    main()
