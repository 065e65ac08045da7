"""Backups and PITR benchmark: what PITR costs a write, and how fast tables are backed up
and restored.

* **PutItem with PITR.** Embedded PutItem of ~1 KB items (overwriting a working set, so
  every write records an old image) without and with point-in-time recovery, in strict
  and relaxed durability. Target (issue 7): PITR costs at most 35% of PutItem throughput.
* **Backup and restore.** N items of ~1 KB: CreateBackup (a snapshot file from one read
  transaction), RestoreTableFromBackup until the new table is ACTIVE, and
  RestoreTableToPointInTime (items at a moment, then the same fill), all embedded with
  strict durability. Baseline: raw LMDB copying the same items between two databases in
  transactions of 1000. Target: restoring 100,000 items at >= 20,000 items/s.

    python -m benchmarks.backups [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from benchmarks.common import arguments, embedded_puts, environment, peak_rss_mb, rss_line, save

TABLE = "bench"


def make_item(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"user{i:010d}"}, "pad": {"S": f"{i:x}" * 120}}


def create(client: Any, pitr: bool) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    if pitr:
        spec = {"PointInTimeRecoveryEnabled": True}
        client.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification=spec)


def puts(count: int, durability: str, pitr: bool) -> dict[str, float]:
    items = [make_item(i % 1000) for i in range(count)]  # a working set: puts replace items
    return embedded_puts(TABLE, items, durability, lambda client: create(client, pitr))


def raw_copy(count: int) -> dict[str, float]:
    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory(prefix="bench-copy-") as path:
        env = lmdb.open(path, map_size=1 << 34, max_dbs=4, readahead=False)
        source, target = env.open_db(b"s"), env.open_db(b"t")
        with env.begin(write=True, db=source) as txn:
            for i in range(count):
                item = make_item(i)
                txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
        start = time.perf_counter()
        with env.begin(db=source) as reader:
            rows = iter(reader.cursor())
            while True:
                with env.begin(write=True, db=target) as txn:
                    moved = 0
                    for key, value in rows:
                        txn.put(key, msgpack.packb(msgpack.unpackb(value)))
                        moved += 1
                        if moved == 1000:
                            break
                if moved < 1000:
                    break
        elapsed = time.perf_counter() - start
        env.close()
    return {"seconds": elapsed, "items_per_s": count / elapsed}


def backup_and_restore(count: int) -> dict[str, dict[str, float]]:
    import dynamo

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-restore-") as path:
        with dynamo.connect(
            path, durability="relaxed", maintenance_interval=0, parameter_validation=False
        ) as client:
            create(client, pitr=True)
            for start in range(0, count, 25):
                requests = [
                    {"PutRequest": {"Item": make_item(i)}} for i in range(start, min(start + 25, count))
                ]
                client.batch_write_item(RequestItems={TABLE: requests})
        with dynamo.connect(path, maintenance_interval=0) as client:

            def measure(name: str, action: Any, target: str | None) -> None:
                begin = time.perf_counter()
                result = action()
                if target is not None:
                    client.engine.jobs.wait()
                    assert client.describe_table(TableName=target)["Table"]["ItemCount"] == count
                elapsed = time.perf_counter() - begin
                results[name] = {"seconds": elapsed, "items_per_s": count / elapsed}
                return result

            backup = measure(
                "CreateBackup", lambda: client.create_backup(TableName=TABLE, BackupName="bench"), None
            )
            arn = backup["BackupDetails"]["BackupArn"]
            measure(
                "RestoreTableFromBackup",
                lambda: client.restore_table_from_backup(BackupArn=arn, TargetTableName="from-backup"),
                "from-backup",
            )
            measure(
                "RestoreTableToPointInTime (latest)",
                lambda: client.restore_table_to_point_in_time(
                    SourceTableName=TABLE, TargetTableName="at-latest", UseLatestRestorableTime=True
                ),
                "at-latest",
            )
    return results


def render(report: dict[str, Any]) -> str:
    lines = [
        "# Backups and PITR benchmark",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}.",
        "",
        f"## PutItem with and without PITR ({report['put_count']} puts of ~1 KB over 1,000 items)",
        "",
        "| durability | target | ops/s | p50 µs | p99 µs | vs no PITR |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for durability, targets in report["puts"].items():
        base = targets["no PITR"]["ops_per_s"]
        for target, stats in targets.items():
            cost = f"{(1 - stats['ops_per_s'] / base) * 100:+.0f}% cost" if target == "with PITR" else ""
            lines.append(
                f"| {durability} | {target} | {stats['ops_per_s']:,.0f} | {stats['p50_us']:,.0f} "
                f"| {stats['p99_us']:,.0f} | {cost} |"
            )
    lines += [
        "",
        f"## Backup and restore ({report['restore_count']:,} items of ~1 KB, strict durability)",
        "",
        "| operation | seconds | items/s |",
        "| --- | ---: | ---: |",
    ]
    for name, stats in report["restore"].items():
        lines.append(f"| {name} | {stats['seconds']:.2f} | {stats['items_per_s']:,.0f} |")
    lines += ["", rss_line(report), ""]
    return "\n".join(lines)


def main() -> None:
    args = arguments(__doc__, "backups").parse_args()
    put_count, restore_count = (500, 5_000) if args.quick else (5_000, 100_000)
    report: dict[str, Any] = {**environment(), "put_count": put_count, "restore_count": restore_count}
    report["puts"] = {
        durability: {
            "no PITR": puts(put_count, durability, False),
            "with PITR": puts(put_count, durability, True),
        }
        for durability in ("strict", "relaxed")
    }
    report["restore"] = {
        "raw LMDB copy (baseline)": raw_copy(restore_count),
        **backup_and_restore(restore_count),
    }
    report["peak_rss_mb"] = peak_rss_mb()
    save(args.out, "backups", render(report), report)


if __name__ == "__main__":
    main()
