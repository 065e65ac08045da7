"""YCSB-style workloads A-F against the engine and its peers, in one run.

Data: RECORDS records of ~1 KB (ten 100-byte fields, as YCSB's default record), keyed
``pk`` = one of RECORDS/100 partitions and ``sk`` = the record number, so workload E's
short ranges are Queries. Keys follow YCSB's scrambled zipfian (constant 0.99); workload
D reads the latest records. Every target runs the very same pre-generated operations:

  A  50% read / 50% update          B  95% read / 5% update        C  100% read
  D  95% read latest / 5% insert    E  95% short range (Query, 1-100 items) / 5% insert
  F  50% read / 50% read-modify-write (a GetItem then an UpdateItem)

Targets: ``raw`` (LMDB + msgpack by hand: the ceiling), ``embedded`` (dynamo.connect),
``http`` (``dynamo serve`` driven by the asyncio load generator of pre-built requests, with
the server's CPU per operation; also with ``--workers 2``), ``moto`` (boto3 in process under ``mock_aws``, fewer
operations: it is slow) and, with ``--vs URL``, any other DynamoDB endpoint. Writes are
strictly durable everywhere (each commit fsyncs), as DynamoDB acknowledges them.

Also measured: how soon ``dynamo serve`` answers ListTables after launch, and its idle RSS.
Writes ycsb.md, ycsb.json and ycsb.png (ops/s per workload and target).

    python -m benchmarks.ycsb [--quick] [--out benchmarks/results] [--vs URL]
"""

from __future__ import annotations

import bisect
import http.client
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import HEADERS, ROOT, arguments, environment, peak_rss_mb, pk_sk_table, save, timed_for
from benchmarks.load import drive, listener_pid, render, server_cpu

TABLE = "usertable"
FIELDS = 10
FIELD_BYTES = 100
PER_PARTITION = 100
WORKLOADS = {
    "A": {"read": 0.5, "update": 0.5},
    "B": {"read": 0.95, "update": 0.05},
    "C": {"read": 1.0},
    "D": {"read_latest": 0.95, "insert": 0.05},
    "E": {"scan": 0.95, "insert": 0.05},
    "F": {"read": 0.5, "rmw": 0.5},
}
SCHEMA = pk_sk_table(TABLE)


# -- data and operations ------------------------------------------------------------------


def key(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{i // PER_PARTITION:06d}"}, "sk": {"N": str(i)}}


def record(i: int) -> dict[str, Any]:
    item = key(i)
    for f in range(FIELDS):
        item[f"field{f}"] = {"S": (f"{i}:{f}:" * 20)[:FIELD_BYTES]}
    return item


@dataclass(frozen=True)
class Op:
    kind: str  # read, update, insert, scan, rmw
    record: int
    length: int = 0  # scan length


class Zipfian:
    """YCSB's scrambled zipfian over [0, n): popular ranks spread over the key space."""

    def __init__(self, n: int, rng: random.Random, theta: float = 0.99) -> None:
        weights = (1 / (rank + 1) ** theta for rank in range(n))
        self.cdf = list(itertools.accumulate(weights))
        self.n = n
        self.rng = rng

    def rank(self) -> int:
        return bisect.bisect_left(self.cdf, self.rng.random() * self.cdf[-1])

    def next(self) -> int:
        # FNV-1a of the rank, as YCSB scrambles it.
        value = 0xCBF29CE484222325
        for byte in self.rank().to_bytes(8, "little"):
            value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        return value % self.n


def operations(workload: str, records: int, count: int, first_insert: int, seed: int) -> list[Op]:
    rng = random.Random(seed)
    zipf = Zipfian(records, rng)
    mix = WORKLOADS[workload]
    kinds, weights = list(mix), list(mix.values())
    inserted = first_insert
    recent: list[int] = []  # records inserted by this workload, oldest first
    ops = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        if kind == "insert":
            ops.append(Op("insert", inserted))
            recent.append(inserted)
            inserted += 1
        elif kind == "read_latest":  # the newest records are the likeliest
            rank = zipf.rank()
            ops.append(
                Op("read", recent[-1 - rank] if rank < len(recent) else records - 1 - (rank - len(recent)))
            )
        elif kind == "scan":
            ops.append(Op("scan", zipf.next(), rng.randint(1, 100)))
        else:
            ops.append(Op(kind, zipf.next()))
    return ops


def update_value(op: Op) -> dict[str, Any]:
    return {":v": {"S": f"updated {op.record}".ljust(FIELD_BYTES, "u")}}


def requests_of(op: Op) -> list[tuple[str, dict[str, Any]]]:
    """The DynamoDB requests an operation is (an RMW is a GetItem then an UpdateItem)."""
    read = ("GetItem", {"TableName": TABLE, "Key": key(op.record)})
    update = (
        "UpdateItem",
        {
            "TableName": TABLE,
            "Key": key(op.record),
            "UpdateExpression": "SET field3 = :v",
            "ExpressionAttributeValues": update_value(op),
        },
    )
    if op.kind == "read":
        return [read]
    if op.kind == "update":
        return [update]
    if op.kind == "rmw":
        return [read, update]
    if op.kind == "insert":
        return [("PutItem", {"TableName": TABLE, "Item": record(op.record)})]
    k = key(op.record)
    return [
        (
            "Query",
            {
                "TableName": TABLE,
                "KeyConditionExpression": "pk = :p AND sk >= :s",
                "ExpressionAttributeValues": {":p": k["pk"], ":s": k["sk"]},
                "Limit": op.length,
            },
        )
    ]


# -- running ------------------------------------------------------------------------------


def client_runner(client: Any) -> Callable[[Op], None]:
    calls = {
        "GetItem": client.get_item,
        "UpdateItem": client.update_item,
        "PutItem": client.put_item,
        "Query": client.query,
    }

    def run(op: Op) -> None:
        for name, request in requests_of(op):
            calls[name](**request)

    return run


def load_client(client: Any, records: int) -> None:
    client.create_table(**SCHEMA)
    for start in range(0, records, 25):
        batch = [{"PutRequest": {"Item": record(i)}} for i in range(start, min(records, start + 25))]
        client.batch_write_item(RequestItems={TABLE: batch})


def run_embedded(plan: dict[str, list[Op]], records: int, seconds: float) -> dict[str, Any]:
    import dynamo

    with (
        tempfile.TemporaryDirectory(prefix="ycsb-") as path,
        dynamo.connect(path, maintenance_interval=0) as client,
    ):
        load_client(client, records)
        return {name: timed_for(client_runner(client), ops, seconds) for name, ops in plan.items()}


def run_moto(plan: dict[str, list[Op]], records: int, seconds: float) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        load_client(client, records)
        return {name: timed_for(client_runner(client), ops, seconds) for name, ops in plan.items()}


def run_raw(plan: dict[str, list[Op]], records: int, seconds: float) -> dict[str, Any]:
    """The same operations on LMDB + msgpack by hand: a key of partition + big-endian number."""
    import lmdb
    import msgpack

    def raw_key(i: int) -> bytes:
        return f"p{i // PER_PARTITION:06d}".encode() + b"\x00" + i.to_bytes(8, "big")

    with tempfile.TemporaryDirectory(prefix="ycsb-raw-") as path:
        env = lmdb.open(path, map_size=1 << 34, max_dbs=2)  # sync=True: every commit fsyncs
        db = env.open_db(b"t")
        with env.begin(write=True, db=db) as txn:
            for i in range(records):
                txn.put(raw_key(i), msgpack.packb(record(i)))

        def run(op: Op) -> None:
            if op.kind in ("read", "rmw"):
                with env.begin(db=db) as txn:
                    found = txn.get(raw_key(op.record))
                    if found is not None:
                        msgpack.unpackb(found)
            if op.kind in ("update", "rmw"):
                with env.begin(write=True, db=db) as txn:
                    item = msgpack.unpackb(txn.get(raw_key(op.record)))
                    item["field3"] = update_value(op)[":v"]
                    txn.put(raw_key(op.record), msgpack.packb(item))
            elif op.kind == "insert":
                with env.begin(write=True, db=db) as txn:
                    txn.put(raw_key(op.record), msgpack.packb(record(op.record)))
            elif op.kind == "scan":
                prefix = raw_key(op.record)[:8]
                with env.begin(db=db) as txn, txn.cursor() as cursor:
                    if cursor.set_range(raw_key(op.record)):
                        for n, (k, v) in enumerate(cursor):
                            if n >= op.length or not k.startswith(prefix):
                                break
                            msgpack.unpackb(v)

        result = {name: timed_for(run, ops, seconds) for name, ops in plan.items()}
        env.close()
        return result


def run_http(
    plan: dict[str, list[Op]], records: int, seconds: float, url: str | None = None, workers: int = 1
) -> dict[str, Any]:
    """Our server (or the endpoint at ``url``), driven by pre-built HTTP requests."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.common import HttpCaller
    from tests.helpers import children, running_server

    def measure(target: str, pid: int | None) -> dict[str, Any]:
        pids = [] if pid is None else [pid, *children(pid)]
        caller = HttpCaller(target)
        caller("CreateTable", SCHEMA)
        time.sleep(0.5 if url is not None else 0)  # other endpoints may keep a new table CREATING
        for start in range(0, records, 25):
            batch = [{"PutRequest": {"Item": record(i)}} for i in range(start, min(records, start + 25))]
            caller("BatchWriteItem", {"RequestItems": {TABLE: batch}})
        caller.close()
        out = {}
        for name, ops in plan.items():
            rendered = [render(target, op_name, body) for op in ops for op_name, body in requests_of(op)]
            cpu = sum(server_cpu(p) for p in pids)
            result = drive(target, rendered, connections=4, seconds=seconds)
            row: dict[str, Any] = {
                "ops": result.requests,
                "ops_per_s": result.per_second,
                "p50_us": result.percentile(0.5),
                "p99_us": result.percentile(0.99),
                "errors": result.errors,
            }
            if pids:
                used = sum(server_cpu(p) for p in pids) - cpu
                row["server_cpu_us"] = used / max(1, result.requests) * 1e6
            out[name] = row
        return out

    if url is not None:
        return measure(url, listener_pid(url))
    with running_server("--in-memory", "--ttl-interval", "0", "--workers", str(workers)) as (target, process):
        return measure(target, process.pid)


def serve_startup() -> dict[str, float]:
    """Seconds from launching ``dynamo serve`` until ListTables answers; its idle RSS."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import free_port

    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dynamo", "serve", "--in-memory", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = b"{}"
        headers = {**HEADERS, "X-Amz-Target": "DynamoDB_20120810.ListTables"}
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                connection.request("POST", "/", body, headers)
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.005)
        answered = time.perf_counter() - start
        time.sleep(1.0)
        with open(f"/proc/{process.pid}/status") as status:
            rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return {"list_tables_after_s": answered, "idle_rss_mib": rss_kb / 1024}
    finally:
        process.terminate()
        process.wait()


# -- reporting ----------------------------------------------------------------------------


def plot(results: dict[str, dict[str, Any]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    targets = list(results)
    workloads = list(WORKLOADS)
    width = 0.8 / len(targets)
    fig, ax = plt.subplots(figsize=(10, 5))
    for t, target in enumerate(targets):
        values = [results[target].get(w, {}).get("ops_per_s", 0) for w in workloads]
        ax.bar([w + t * width for w in range(len(workloads))], values, width, label=target)
    ax.set_xticks([w + width * (len(targets) - 1) / 2 for w in range(len(workloads))], workloads)
    ax.set_yscale("log")
    ax.set_ylabel("operations/s (log scale)")
    ax.set_title("YCSB workloads, strict durability, 1 KB records")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def iterate_rows(results: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for workload in WORKLOADS:
        for target, by_workload in results.items():
            if workload in by_workload:
                yield workload, target, by_workload[workload]


def main() -> None:
    parser = arguments(__doc__, "ycsb")
    parser.add_argument("--vs", default=None, metavar="URL", help="also measure this DynamoDB endpoint")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    records = args.records or (2_000 if args.quick else 10_000)
    seconds = args.seconds or (0.5 if args.quick else 3.0)
    plan = {
        name: operations(name, records, 200_000, records + index * 1_000_000, seed=index)
        for index, name in enumerate(WORKLOADS)
    }
    moto_plan = {name: ops[:2_000] for name, ops in plan.items()}
    results: dict[str, dict[str, Any]] = {
        "raw": run_raw(plan, records, seconds),
        "embedded": run_embedded(plan, records, seconds),
        "http": run_http(plan, records, seconds),
        "http x2 workers": run_http(plan, records, seconds, workers=2),
        "moto": run_moto(moto_plan, min(records, 2_000), seconds),
    }
    if args.vs:
        results["vs"] = run_http(plan, records, seconds, url=args.vs)
    startup = serve_startup()
    report = {**environment(), "records": records, "seconds": seconds, "results": results, "serve": startup}
    report["peak_rss_mb"] = peak_rss_mb()
    lines = [
        "# YCSB workloads: the engine and its peers",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; {records} records of ~1 KB "
        f"(moto: {min(records, 2_000)}), zipfian keys, strict durability, {seconds:g} s per workload and "
        "target. http: 4 keep-alive connections from an asyncio load generator (an RMW counts its two "
        "requests); server CPU is the server process's user+system time per request.",
        "",
        "| workload | target | ops/s | p50 µs | p99 µs | server CPU µs/op | x moto |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for workload, target, row in iterate_rows(results):
        moto = results["moto"].get(workload, {}).get("ops_per_s")
        versus = f"{row['ops_per_s'] / moto:,.0f}x" if moto else ""
        cpu = f"{row['server_cpu_us']:.0f}" if "server_cpu_us" in row else ""
        lines.append(
            f"| {workload} | {target} | {row['ops_per_s']:,.0f} | {row['p50_us']:.0f} | {row['p99_us']:.0f} "
            f"| {cpu} | {versus} |"
        )
    lines += [
        "",
        f"`dynamo serve` answered ListTables {startup['list_tables_after_s']:.2f} s after launch; idle RSS "
        f"{startup['idle_rss_mib']:.0f} MiB.",
        "",
        f"Peak RSS of the benchmark process: {report['peak_rss_mb']:.0f} MB.",
        "",
        "![YCSB ops/s](ycsb.png)",
        "",
        "Reproduce: `python -m benchmarks.ycsb` (`--vs http://host:port` adds another endpoint, e.g. dynalite).",
        "",
    ]
    save(args.out, "ycsb", "\n".join(lines), json.loads(json.dumps(report)))
    if args.out:
        plot(results, Path(args.out) / "ycsb.png")


if __name__ == "__main__":
    main()
