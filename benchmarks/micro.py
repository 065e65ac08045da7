"""Per-operation microbenchmarks: one table of every common operation on every target.

Operations (1 KB items, strict durability): GetItem; PutItem with a condition; UpdateItem
with an expression; Query of a 100-item partition with a filter keeping half; a Scan page
of 100; BatchWriteItem of 25; TransactWriteItems of 4 puts. Targets, in one run: the
embedded client; ``dynamo serve`` over one keep-alive connection from the asyncio load
generator (with the server's CPU per request); moto in process (``mock_aws``). Each cell
runs for a fixed time; every call is timed.

    python -m benchmarks.micro [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from botocore import xform_name

from benchmarks.common import (
    ROOT,
    HttpCaller,
    arguments,
    environment,
    peak_rss_mb,
    pk_sk_table,
    rss_line,
    save,
    timed_for,
)
from benchmarks.load import drive, render, server_cpu

TABLE = "micro"
PARTITIONS = 20
SCHEMA = pk_sk_table(TABLE)


def item(pk: str, sk: int) -> dict[str, Any]:
    out: dict[str, Any] = {"pk": {"S": pk}, "sk": {"N": str(sk)}, "n": {"N": str(sk % 2)}}
    for f in range(10):
        out[f"f{f}"] = {"S": (f"{pk}:{sk}:{f}:" * 10)[:90]}
    return out


def requests() -> dict[str, Iterator[dict[str, Any]]]:
    """Each operation's endless stream of requests (writes use fresh keys)."""
    fresh = itertools.count()
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


def load(call: Callable[[str, dict[str, Any]], Any]) -> None:
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


def run_http(seconds: float) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.helpers import running_server

    out = {}
    with running_server("--in-memory", "--ttl-interval", "0") as (url, process):
        caller = HttpCaller(url)
        load(caller)
        caller.close()
        streams = requests()
        for name, op in OPERATIONS.items():
            rendered = [render(url, op, next(streams[name])) for _ in range(4000)]
            cpu = server_cpu(process.pid)
            result = drive(url, rendered, connections=1, seconds=seconds)
            if result.errors:
                raise RuntimeError(f"{name}: {result.errors} requests failed")
            out[name] = {
                "ops_per_s": result.per_second,
                "p50_us": result.percentile(0.5),
                "p99_us": result.percentile(0.99),
                "server_cpu_us": (server_cpu(process.pid) - cpu) / max(1, result.requests) * 1e6,
            }
    return out


def main() -> None:
    args = arguments(__doc__, "micro").parse_args()
    seconds = 0.3 if args.quick else 1.5
    results = {"embedded": run_embedded(seconds), "http": run_http(seconds), "moto": run_moto(seconds)}
    report = {**environment(), "seconds": seconds, "results": results, "peak_rss_mb": peak_rss_mb()}
    lines = [
        "# Per-operation microbenchmarks",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; 1 KB items, strict "
        f"durability, {seconds:g} s per cell; http: one keep-alive connection from the asyncio load generator.",
        "",
        "| operation | target | ops/s | p50 µs | p99 µs | server CPU µs | x moto |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in OPERATIONS:
        moto = results["moto"][name]["ops_per_s"]
        for target, by_op in results.items():
            row = by_op[name]
            cpu = f"{row['server_cpu_us']:.0f}" if "server_cpu_us" in row else ""
            lines.append(
                f"| {name} | {target} | {row['ops_per_s']:,.0f} | {row['p50_us']:.0f} | {row['p99_us']:.0f} | "
                f"{cpu} | {row['ops_per_s'] / moto:,.1f}x |"
            )
    lines += ["", rss_line(report), "", "Reproduce: `python -m benchmarks.micro`.", ""]
    save(args.out, "micro", "\n".join(lines), report)


if __name__ == "__main__":
    main()
