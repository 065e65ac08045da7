"""Per-operation microbenchmarks: one table of every common operation on every target.

Operations (1 KB items): GetItem; PutItem with a condition; UpdateItem with an
expression; Query of a 100-item partition with a filter keeping half; a Scan page of 100;
BatchWriteItem of 25; TransactWriteItems of 4 puts. Targets, in one run: the embedded
client; ``dynamo serve`` in strict and relaxed durability, driven over one keep-alive
connection by the asyncio load generator (with the server's CPU per request); the canned
server (the HTTP floor: same requests, fixed answer, same HTTP protocol) and, for GetItem,
uvicorn's own ASGI protocol answering the same; boto3 (one thread) against ``dynamo
serve`` and against the canned server; moto in process (``mock_aws``); and a raw LMDB put
with a strict commit (the CPU a durable write costs below us). Each cell runs for a fixed
time; every call is timed.

    python -m benchmarks.micro [--quick] [--out benchmarks/results] [--vs URL]
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore import xform_name

from benchmarks.common import (
    ROOT,
    HttpCaller,
    arguments,
    canned_process,
    environment,
    peak_rss_mb,
    pk_sk_table,
    rss_line,
    save,
    timed_for,
)
from benchmarks.load import drive, listener_pid, render, server_cpu

TABLE = "micro"
PARTITIONS = 20
SCHEMA = pk_sk_table(TABLE)
#: Numbers for new keys, shared by every stream so that no two writes reuse one.
FRESH = itertools.count()


def item(pk: str, sk: int) -> dict[str, Any]:
    out: dict[str, Any] = {"pk": {"S": pk}, "sk": {"N": str(sk)}, "n": {"N": str(sk % 2)}}
    for f in range(10):
        out[f"f{f}"] = {"S": (f"{pk}:{sk}:{f}:" * 10)[:90]}
    return out


def requests() -> dict[str, Iterator[dict[str, Any]]]:
    """Each operation's endless stream of requests (writes use fresh keys)."""
    fresh = FRESH
    reads = itertools.cycle(range(PARTITIONS * 100))

    def gets() -> Iterator[dict[str, Any]]:
        for i in reads:
            yield {"TableName": TABLE, "Key": {"pk": {"S": f"p{i // 100}"}, "sk": {"N": str(i % 100)}}}

    def puts() -> Iterator[dict[str, Any]]:
        for i in fresh:
            yield {
                "TableName": TABLE,
                "Item": item(f"new{i}", 0),
                "ConditionExpression": "attribute_not_exists(pk)",
            }

    def updates() -> Iterator[dict[str, Any]]:
        for i in reads:
            yield {
                "TableName": TABLE,
                "Key": {"pk": {"S": f"p{i // 100}"}, "sk": {"N": str(i % 100)}},
                "UpdateExpression": "SET f1 = :v ADD c :one",
                "ExpressionAttributeValues": {":v": {"S": "updated"}, ":one": {"N": "1"}},
            }

    def queries() -> Iterator[dict[str, Any]]:
        for i in itertools.cycle(range(PARTITIONS)):
            yield {
                "TableName": TABLE,
                "KeyConditionExpression": "pk = :p",
                "FilterExpression": "n = :one",
                "ExpressionAttributeValues": {":p": {"S": f"p{i}"}, ":one": {"N": "1"}},
            }

    def scans() -> Iterator[dict[str, Any]]:
        while True:
            yield {"TableName": TABLE, "Limit": 100}

    def batches() -> Iterator[dict[str, Any]]:
        for i in fresh:
            yield {"RequestItems": {TABLE: [{"PutRequest": {"Item": item(f"b{i}", n)}} for n in range(25)]}}

    def transactions() -> Iterator[dict[str, Any]]:
        for i in fresh:
            yield {
                "TransactItems": [{"Put": {"TableName": TABLE, "Item": item(f"t{i}", n)}} for n in range(4)]
            }

    return {
        "GetItem": gets(),
        "PutItem + condition": puts(),
        "UpdateItem + expression": updates(),
        "Query 100 + filter": queries(),
        "Scan page of 100": scans(),
        "BatchWriteItem x25": batches(),
        "TransactWriteItems x4": transactions(),
    }


OPERATIONS = {
    "GetItem": "GetItem",
    "PutItem + condition": "PutItem",
    "UpdateItem + expression": "UpdateItem",
    "Query 100 + filter": "Query",
    "Scan page of 100": "Scan",
    "BatchWriteItem x25": "BatchWriteItem",
    "TransactWriteItems x4": "TransactWriteItems",
}


def load(call: Callable[[str, dict[str, Any]], Any], *, create: bool = True) -> None:
    if create:
        call("CreateTable", SCHEMA)
    for p in range(PARTITIONS):
        for first in range(0, 100, 25):
            batch = [{"PutRequest": {"Item": item(f"p{p}", n)}} for n in range(first, first + 25)]
            call("BatchWriteItem", {"RequestItems": {TABLE: batch}})


def run_client(client: Any, seconds: float) -> dict[str, Any]:
    """A boto3-shaped client (ours embedded, or boto3 under moto) through every operation."""

    def call(operation: str, body: dict[str, Any]) -> Any:
        return getattr(client, xform_name(operation))(**body)

    load(call)
    streams = requests()
    return {
        name: timed_for(lambda body, op=op: call(op, body), streams[name], seconds)
        for name, op in OPERATIONS.items()
    }


def run_embedded(seconds: float) -> dict[str, Any]:
    import dynamo

    with (
        tempfile.TemporaryDirectory(prefix="bench-micro-") as path,
        dynamo.connect(path, maintenance_interval=0) as client,
    ):
        return run_client(client, seconds)


def run_moto(seconds: float) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        return run_client(boto3.client("dynamodb", region_name="us-east-1"), seconds)


def run_raw_commit(seconds: float) -> dict[str, float]:
    """The floor under a strict PutItem: put one msgpack-encoded 1 KB item into raw LMDB and
    commit with fsync, as the engine's environment is opened; CPU per put (mostly the
    kernel's, for the fsync)."""
    import resource

    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory(prefix="bench-micro-raw-") as path:
        env = lmdb.open(path, map_size=1 << 30, max_dbs=4, sync=True, metasync=True, readahead=False)
        db = env.open_db(b"items")
        fresh = ((b"raw%d" % i, msgpack.packb(item(f"raw{i}", 0))) for i in itertools.count())
        before = resource.getrusage(resource.RUSAGE_SELF)

        def put(pair: tuple[bytes, bytes]) -> None:
            with env.begin(write=True, db=db) as txn:
                txn.put(*pair)

        result = timed_for(put, fresh, seconds)
        after = resource.getrusage(resource.RUSAGE_SELF)
        env.close()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**result, "cpu_us": cpu / result["ops"] * 1e6}


def bodies(count: int) -> dict[str, list[dict[str, Any]]]:
    """``count`` requests of each operation, for targets that are handed them up front."""
    streams = requests()
    return {name: [next(streams[name]) for _ in range(count)] for name in OPERATIONS}


def loaded(
    url: str,
    process: Any,
    rendered: list[bytes],
    seconds: float,
    *,
    pid: int | None = None,
    strict: bool = True,
) -> dict[str, float]:
    """The load generator on ``url`` (one connection): rate, latency and the CPU per request
    of the server (``process``, or the process ``pid``). ``strict``: a failed request is
    the benchmark's bug; otherwise failures are counted (another endpoint may lack an
    operation)."""
    pid = process.pid if process is not None else pid
    cpu = server_cpu(pid) if pid is not None else 0.0
    result = drive(url, rendered, connections=1, seconds=seconds)
    if result.errors and strict:
        raise RuntimeError(f"{result.errors} requests failed")
    row = {
        "ops_per_s": result.per_second,
        "p50_us": result.percentile(0.5),
        "p99_us": result.percentile(0.99),
        "errors": result.errors,
        "requests": result.requests,
    }
    if pid is not None:
        row["server_cpu_us"] = (server_cpu(pid) - cpu) / max(1, result.requests) * 1e6
    return row


def run_vs(url: str, seconds: float) -> dict[str, Any]:
    """Another DynamoDB endpoint (``--vs``: dynalite, DynamoDB Local), given the same
    requests; its CPU is measured when its process is on this machine."""
    caller = HttpCaller(url)
    caller("CreateTable", SCHEMA)
    time.sleep(0.5)  # other endpoints may keep a new table CREATING for a moment
    load(caller, create=False)
    caller.close()
    pid = listener_pid(url)
    count = max(4000, int(seconds * 12000))
    return {
        name: loaded(
            url, None, [render(url, OPERATIONS[name], body) for body in batch], seconds, pid=pid, strict=False
        )
        for name, batch in bodies(count).items()
    }


def run_http(seconds: float) -> dict[str, dict[str, Any]]:
    """``dynamo serve`` (strict and relaxed durability) and the canned floor, each driven by
    the load generator with the same requests; boto3 (one thread) against both."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import boto_client, running_server

    # Enough distinct requests that fresh keys never repeat within a cell (a repeated
    # conditional put would fail its condition).
    count = max(4000, int(seconds * 12000))
    out: dict[str, dict[str, Any]] = {"http": {}, "http relaxed": {}, "boto3": {}}
    for target, durability in (("http", "strict"), ("http relaxed", "relaxed")):
        with running_server("--in-memory", "--ttl-interval", "0", "--durability", durability) as (
            url,
            process,
        ):
            caller = HttpCaller(url)
            load(caller)
            caller.close()
            for name, batch in bodies(count).items():
                rendered = [render(url, OPERATIONS[name], body) for body in batch]
                out[target][name] = loaded(url, process, rendered, seconds)
            if target == "http":
                out["boto3"] = run_boto3(boto_client(url), seconds)
    floor: dict[str, Any] = {}
    with canned_process() as (url, process):
        for name, batch in bodies(count).items():
            floor[name] = loaded(
                url, process, [render(url, OPERATIONS[name], body) for body in batch], seconds
            )
        out["boto3 floor"] = run_boto3(boto_client(url), seconds)
    with canned_process("asgi") as (url, process):
        rendered = [render(url, "GetItem", body) for body in bodies(count)["GetItem"]]
        asgi_floor = loaded(url, process, rendered, seconds)
    return {**out, "canned": floor, "canned asgi": {"GetItem": asgi_floor}}


#: The operations timed through boto3 itself (one thread): what an SDK user sees.
BOTO3_OPERATIONS = ("GetItem", "PutItem + condition", "UpdateItem + expression")


def run_boto3(client: Any, seconds: float) -> dict[str, Any]:
    streams = requests()
    return {
        name: timed_for(
            lambda body, op=OPERATIONS[name]: getattr(client, xform_name(op))(**body), streams[name], seconds
        )
        for name in BOTO3_OPERATIONS
    }


def main() -> None:
    parser = arguments(__doc__, "micro")
    parser.add_argument("--vs", default=None, metavar="URL", help="also measure this DynamoDB endpoint")
    args = parser.parse_args()
    seconds = 0.3 if args.quick else 1.5
    http = run_http(seconds)
    if args.vs:
        http["vs"] = run_vs(args.vs, seconds)
    results = {
        "embedded": run_embedded(seconds),
        "moto": run_moto(seconds),
        **http,
        "raw commit": run_raw_commit(seconds),
    }
    report = {**environment(), "seconds": seconds, "results": results, "peak_rss_mb": peak_rss_mb()}
    floor = results["canned"]
    lines = [
        "# Per-operation microbenchmarks",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; 1 KB items, {seconds:g} s "
        "per cell. `http`: `dynamo serve` (strict durability unless `relaxed`) driven over one keep-alive "
        "connection by the asyncio load generator; `canned`: the same requests to a server answering a "
        "fixed document through the same HTTP protocol (the floor). `CPU x floor`: the server's CPU per "
        "request over the canned server's for the same requests.",
        "",
        "| operation | target | ops/s | p50 µs | p99 µs | server CPU µs | CPU x floor | x moto |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in OPERATIONS:
        moto = results["moto"][name]["ops_per_s"]
        for target in ("embedded", "http", "http relaxed", "canned", "vs", "moto"):
            if target not in results:
                continue
            row = results[target][name]
            if row.get("errors"):
                lines.append(
                    f"| {name} | {target} | fails ({row['errors']:,} of {row['requests']:,} requests) | | | | | |"
                )
                continue
            cpu = ratio = ""
            if "server_cpu_us" in row:
                cpu = f"{row['server_cpu_us']:.0f}"
                ratio = f"{row['server_cpu_us'] / floor[name]['server_cpu_us']:.1f}x"
            lines.append(
                f"| {name} | {target} | {row['ops_per_s']:,.0f} | {row['p50_us']:.0f} | {row['p99_us']:.0f} | "
                f"{cpu} | {ratio} | {row['ops_per_s'] / moto:,.1f}x |"
            )
    asgi = results["canned asgi"]["GetItem"]
    put, raw = results["http"]["PutItem + condition"]["server_cpu_us"], results["raw commit"]["cpu_us"]
    put_floor = floor["PutItem + condition"]["server_cpu_us"]
    lines += [
        "",
        f"Strict PutItem without its fsync: a raw LMDB put of the same 1 KB item with a strict commit costs "
        f"{raw:.0f} µs of CPU (most of it the kernel's, writing and syncing pages); the server's "
        f"{put:.0f} µs less that is {put - raw:.0f} µs, {(put - raw) / put_floor:.1f}x the floor.",
        "",
        "The floor itself, a GetItem request to the canned server: "
        f"{floor['GetItem']['server_cpu_us']:.0f} µs of server CPU through `dynamo serve`'s HTTP protocol, "
        f"{asgi['server_cpu_us']:.0f} µs through uvicorn's ASGI protocol (httptools); "
        f"p50 {floor['GetItem']['p50_us']:.0f} vs {asgi['p50_us']:.0f} µs.",
        "",
        "Through boto3 itself (one client thread), against `dynamo serve` (strict) and against the canned "
        "server (boto3's floor: its own signing, serialising and parsing):",
        "",
        "| operation | boto3 -> dynamo serve ops/s | boto3 -> canned ops/s | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in BOTO3_OPERATIONS:
        ours, canned = results["boto3"][name]["ops_per_s"], results["boto3 floor"][name]["ops_per_s"]
        lines.append(f"| {name} | {ours:,.0f} | {canned:,.0f} | {ours / canned:.2f}x |")
    if "vs" in results:
        shares = [
            f"{name} {results['http'][name]['server_cpu_us'] / results['vs'][name]['server_cpu_us']:.2f}"
            for name in OPERATIONS
            if "server_cpu_us" in results["vs"][name] and not results["vs"][name].get("errors")
        ]
        lines += [
            "",
            f"`vs`: {args.vs}. `dynamo serve`'s CPU per request as a share of its: "
            + (", ".join(shares) if shares else "(its process was not found, so its CPU was not measured)")
            + ".",
        ]
    lines += [
        "",
        rss_line(report),
        "",
        "Reproduce: `python -m benchmarks.micro` (`--vs http://host:port` adds another endpoint, e.g. dynalite).",
        "",
    ]
    save(args.out, "micro", "\n".join(lines), report)


if __name__ == "__main__":
    main()
