"""Engine benchmark: embedded PutItem/GetItem against raw LMDB + msgpack, in one run.

Each target runs in its own subprocess (so peak RSS is its own) on a fresh data directory:

* ``raw``       - the ceiling: one LMDB write transaction per put (same durability flags),
                  one read transaction + ``msgpack.unpackb`` per get;
* ``embedded``  - ``dynamo.connect(path)`` with boto3-style client-side validation (default);
* ``embedded-novalidate`` - the same with ``parameter_validation=False``.

Items are ~1 KB (a string key and ten 90-byte strings). The load phase is sequential
PutItem of every item; the read phase is GetItem of uniformly random keys. Results are a
markdown table and JSON in ``benchmarks/results/``; ratios compare with ``raw``.

    python -m benchmarks.engine            # full run
    python -m benchmarks.engine --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGETS = ("raw", "embedded", "embedded-novalidate")
TABLE = "usertable"


def make_item(i: int) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": f"user{i:010d}"}}
    for f in range(10):
        item[f"field{f}"] = {"S": (f"{i:x}" * 90)[:90]}
    return item


def percentile(sorted_ns: list[int], p: float) -> float:
    index = min(len(sorted_ns) - 1, int(len(sorted_ns) * p))
    return sorted_ns[index] / 1000.0


def timed(fn: Callable[[Any], Any], args: list[Any]) -> dict[str, float]:
    """Run ``fn`` once per argument; return ops/s and latency percentiles (microseconds)."""
    latencies = []
    clock = time.perf_counter_ns
    start = clock()
    for arg in args:
        t0 = clock()
        fn(arg)
        latencies.append(clock() - t0)
    elapsed = (clock() - start) / 1e9
    latencies.sort()
    return {
        "ops": len(args),
        "ops_per_s": len(args) / elapsed,
        "p50_us": percentile(latencies, 0.50),
        "p99_us": percentile(latencies, 0.99),
    }


def run_raw(path: str, items: list[dict[str, Any]], gets: list[int], durability: str) -> dict[str, Any]:
    import lmdb
    import msgpack

    env = lmdb.open(path, map_size=1 << 32, max_dbs=8, metasync=durability == "strict", readahead=False)
    db = env.open_db(b"t")
    keys = [item["pk"]["S"].encode() for item in items]

    def put(i: int) -> None:
        with env.begin(write=True, db=db) as txn:
            txn.put(keys[i], msgpack.packb(items[i]))

    def get(i: int) -> Any:
        with env.begin(db=db) as txn:
            return msgpack.unpackb(txn.get(keys[i]))

    results = {"PutItem": timed(put, list(range(len(items)))), "GetItem": timed(get, gets)}
    env.close()
    return results


def run_embedded(
    path: str, items: list[dict[str, Any]], gets: list[int], durability: str, validate: bool
) -> dict[str, Any]:
    import dynamo

    client = dynamo.connect(path, durability=durability, parameter_validation=validate)  # type: ignore[arg-type]
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    keys = [{"pk": item["pk"]} for item in items]

    def put(i: int) -> None:
        client.put_item(TableName=TABLE, Item=items[i])

    def get(i: int) -> Any:
        return client.get_item(TableName=TABLE, Key=keys[i])

    results: dict[str, Any] = {"PutItem": timed(put, list(range(len(items)))), "GetItem": timed(get, gets)}
    if not validate:
        results["breakdown"] = breakdown(client, keys[0])
    client.close()
    return results


def breakdown(client: Any, key: dict[str, Any]) -> dict[str, float]:
    """Where a GetItem's time goes (microseconds per call, measured stage by stage)."""
    from dynamo import dispatch
    from dynamo.keys import check_key
    from dynamo.shapes import PYTHON
    from dynamo.tables import data_table

    ctx = client._ctx
    request = {"TableName": TABLE, "Key": key}
    operation = dispatch.operation("GetItem")
    loaded = operation.request.load_request(request, PYTHON)
    n = 20000

    def per_call(fn: Callable[[], Any]) -> float:
        return timeit.timeit(fn, number=n) / n * 1e6

    def read_view() -> None:
        with ctx.store.read():
            pass

    with ctx.store.read() as view:
        table = data_table(ctx, view, TABLE)
        stages = {
            "whole client.get_item": per_call(lambda: client.get_item(**request)),
            "request check (shape, key values)": per_call(
                lambda: operation.request.load_request(request, PYTHON)
            ),
            "read snapshot (gate, txn, catalog generation)": per_call(read_view),
            "key schema check": per_call(lambda: check_key(table.key_schema, loaded["Key"])),
            "key bytes (BLAKE2b partition id)": per_call(lambda: table.key_schema.primary_key(loaded["Key"])),
            "LMDB get + msgpack decode + key compare": per_call(lambda: view.get_item(table, loaded["Key"])),
        }
    return stages


def target_main(args: argparse.Namespace) -> None:
    """Run one target (in this subprocess) and print its results as JSON."""
    rng = random.Random(42)
    items = [make_item(i) for i in range(args.items)]
    gets = [rng.randrange(args.items) for _ in range(args.gets)]
    with tempfile.TemporaryDirectory(prefix="bench-", dir=args.tmp) as path:
        if args.target == "raw":
            results = run_raw(path, items, gets, args.durability)
        else:
            results = run_embedded(path, items, gets, args.durability, validate=args.target == "embedded")
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))


def render(report: dict[str, Any]) -> str:
    lines = [
        "# Engine benchmark: embedded client vs raw LMDB + msgpack",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; "
        f"{report['items']} items of ~1 KB loaded by PutItem, then {report['gets']} GetItem of random keys; "
        f"durability `{report['durability']}`. Ratio = this target's mean time per op / raw LMDB's.",
        "",
        "| target | op | ops/s | p50 µs | p99 µs | ratio vs raw | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    raw = report["targets"]["raw"]
    for target in TARGETS:
        result = report["targets"][target]
        for op in ("PutItem", "GetItem"):
            stats = result[op]
            ratio = raw[op]["ops_per_s"] / stats["ops_per_s"]
            lines.append(
                f"| {target} | {op} | {stats['ops_per_s']:,.0f} | {stats['p50_us']:.1f} | {stats['p99_us']:.1f} "
                f"| {ratio:.2f}x | {result['peak_rss_mb']:.0f} |"
            )
    stages = report["targets"]["embedded-novalidate"].get("breakdown")
    if stages:
        lines += ["", "Where an embedded GetItem's time goes (each stage timed alone, µs per call):", ""]
        lines += ["| stage | µs |", "| --- | ---: |"]
        lines += [f"| {name} | {value:.2f} |" for name, value in stages.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--gets", type=int, default=None)
    parser.add_argument("--durability", choices=["strict", "relaxed"], default="strict")
    parser.add_argument("--tmp", default=None, help="directory for the data (default: system temp)")
    parser.add_argument(
        "--out", default=str(RESULTS), help="where to write engine.md/engine.json ('' = nowhere)"
    )
    parser.add_argument("--target", choices=TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.items = args.items or (2000 if args.quick else 10000)
    args.gets = args.gets or (20000 if args.quick else 200000)
    if args.target:
        target_main(args)
        return
    report: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "items": args.items,
        "gets": args.gets,
        "durability": args.durability,
        "targets": {},
    }
    for target in TARGETS:
        command = [
            sys.executable,
            "-m",
            "benchmarks.engine",
            "--target",
            target,
            "--items",
            str(args.items),
            "--gets",
            str(args.gets),
            "--durability",
            args.durability,
        ]
        if args.tmp:
            command += ["--tmp", args.tmp]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        report["targets"][target] = json.loads(output.strip().splitlines()[-1])
    table = render(report)
    print(table)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "engine.md").write_text(table)
        (out / "engine.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
