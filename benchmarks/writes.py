"""Write benchmark: BatchWriteItem and TransactWriteItems against single PutItems.

Strict durability (an fsync per commit) throughout, ~1 KB items. Workloads, each call
timed on its own:

* ``PutItem x25``        - 25 single PutItem calls (one timed op = all 25);
* ``BatchWriteItem 25``  - one BatchWriteItem of 25 new items;
* ``Transact 10 Put``    - one TransactWriteItems of 10 Puts of new items;
* ``Transact 10 Update`` - one TransactWriteItems of 10 ``ADD`` updates (with a
  condition) on random existing items, as a transfer does.

Targets, each in its own process (peak RSS is its own):

* ``raw``      - LMDB + msgpack, one write transaction per call as the engine uses (per
  put for PutItem x25): the ceiling;
* ``moto``     - moto's in-process DynamoDB through boto3: the in-process baseline;
* ``embedded`` - ``dynamo.connect(path)`` with boto3-style client checks (default);
* ``http``     - ``dynamo serve`` over one keep-alive connection (plain http.client);
* ``canned``   - the same HTTP requests to a server answering a fixed document: the HTTP floor.

Target (issue 5): BatchWriteItem reaches at least 5x the items/s of single PutItems.

    python -m benchmarks.writes [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    ROOT,
    HttpCaller,
    arguments,
    canned_server,
    dynamo_server,
    environment,
    peak_rss_mb,
    save,
    timed,
)

TARGETS = ("raw", "moto", "embedded", "http", "canned")
WORKLOADS = ("PutItem x25", "BatchWriteItem 25", "Transact 10 Put", "Transact 10 Update")
TABLE = "writes"
ACCOUNTS = 1000
# moto copies every table for each transaction (~0.5 s here), so it runs fewer calls.
MOTO_ROUNDS = 25
Call = Callable[[str, dict[str, Any]], dict[str, Any]]


def make_item(key: str) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": key}, "n": {"N": "0"}}
    for f in range(10):
        item[f"field{f}"] = {"S": (key * 90)[:90]}
    return item


def workloads(call: Call, rng: random.Random) -> dict[str, Callable[[], int]]:
    """The four workloads as DynamoDB requests sent through ``call(operation, body)``."""
    counter = iter(range(10**9))

    def fresh() -> str:
        return f"k{next(counter):09d}"

    def puts() -> int:
        for _ in range(25):
            call("PutItem", {"TableName": TABLE, "Item": make_item(fresh())})
        return 25

    def batch() -> int:
        requests = [{"PutRequest": {"Item": make_item(fresh())}} for _ in range(25)]
        call("BatchWriteItem", {"RequestItems": {TABLE: requests}})
        return 25

    def transact_puts() -> int:
        actions = [{"Put": {"TableName": TABLE, "Item": make_item(fresh())}} for _ in range(10)]
        call("TransactWriteItems", {"TransactItems": actions})
        return 10

    def transact_updates() -> int:
        accounts = rng.sample(range(ACCOUNTS), 10)
        actions = [
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": f"acct{a:04d}"}},
                    "UpdateExpression": "ADD n :d",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":d": {"N": "1"}},
                }
            }
            for a in accounts
        ]
        call("TransactWriteItems", {"TransactItems": actions})
        return 10

    return dict(zip(WORKLOADS, (puts, batch, transact_puts, transact_updates), strict=True))


def setup(call: Call) -> None:
    call(
        "CreateTable",
        {
            "TableName": TABLE,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for start in range(0, ACCOUNTS, 25):
        requests = [{"PutRequest": {"Item": make_item(f"acct{a:04d}")}} for a in range(start, start + 25)]
        call("BatchWriteItem", {"RequestItems": {TABLE: requests}})


def measure(call: Call, rounds: int) -> dict[str, Any]:
    setup(call)
    rng = random.Random(7)
    return {name: timed(fn, rounds) for name, fn in workloads(call, rng).items()}


def snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def client_caller(client: Any) -> Call:
    return lambda operation, body: dict(getattr(client, snake(operation))(**body))


def run_raw(rounds: int) -> dict[str, Any]:
    """The same writes straight into LMDB: transactions and encoding only."""
    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory(prefix="bench-writes-") as path:
        env = lmdb.open(path, map_size=1 << 32, max_dbs=4, metasync=True, readahead=False)
        db = env.open_db(b"t")

        def call(operation: str, body: dict[str, Any]) -> dict[str, Any]:
            with env.begin(write=True, db=db) as txn:
                if operation == "PutItem":
                    txn.put(body["Item"]["pk"]["S"].encode(), msgpack.packb(body["Item"]))
                elif operation == "BatchWriteItem":
                    for request in body["RequestItems"][TABLE]:
                        item = request["PutRequest"]["Item"]
                        txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
                elif operation == "TransactWriteItems":
                    for action in body["TransactItems"]:
                        if "Put" in action:
                            item = action["Put"]["Item"]
                        else:  # read-modify-write, as an update does
                            key = action["Update"]["Key"]["pk"]["S"].encode()
                            item = msgpack.unpackb(txn.get(key))
                            item["n"] = {"N": str(int(item["n"]["N"]) + 1)}
                        txn.put(item["pk"]["S"].encode(), msgpack.packb(item))
            return {}

        results = measure(call, rounds)
        env.close()
    return results


def run_moto(rounds: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        return measure(client_caller(client), min(rounds, MOTO_ROUNDS))


def run_embedded(rounds: int) -> dict[str, Any]:
    import dynamo

    with tempfile.TemporaryDirectory(prefix="bench-writes-") as path, dynamo.connect(path) as client:
        return measure(client_caller(client), rounds)


def run_http(rounds: int, canned: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as path:
        server = canned_server() if canned else dynamo_server("--data-dir", path)
        with server as url:
            caller = HttpCaller(url)
            results = measure(caller, rounds)
            caller.close()
    return results


def target_main(target: str, rounds: int) -> None:
    if target == "raw":
        results = run_raw(rounds)
    elif target == "moto":
        results = run_moto(rounds)
    elif target == "embedded":
        results = run_embedded(rounds)
    else:
        results = run_http(rounds, canned=target == "canned")
    results["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(results))


def render(report: dict[str, Any]) -> str:
    targets = report["targets"]
    lines = [
        "# Write benchmark: BatchWriteItem and TransactWriteItems vs single PutItems",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; {report['rounds']} calls per "
        f"workload (moto: {min(report['rounds'], MOTO_ROUNDS)}), ~1 KB items, strict durability (fsync per commit). One op = one timed call (PutItem x25: "
        "all 25). `vs raw` = time per op / raw LMDB's. Peak RSS is the measuring process's (for http, the "
        "client's).",
        "",
        "| target | workload | ops/s | items/s | p50 µs | p99 µs | vs raw | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for target in TARGETS:
        for workload in WORKLOADS:
            stats = targets[target][workload]
            ratio = targets["raw"][workload]["ops_per_s"] / stats["ops_per_s"]
            lines.append(
                f"| {target} | {workload} | {stats['ops_per_s']:,.0f} | {stats['items_per_s']:,.0f} "
                f"| {stats['p50_us']:,.0f} | {stats['p99_us']:,.0f} | {ratio:.1f}x "
                f"| {targets[target]['peak_rss_mb']:.0f} |"
            )
    lines += [
        "",
        "Batch speed-up (items/s of BatchWriteItem 25 / items/s of 25 single PutItems; target >= 5x):",
        "",
    ]
    for target in TARGETS:
        stats = targets[target]
        speedup = stats["BatchWriteItem 25"]["items_per_s"] / stats["PutItem x25"]["items_per_s"]
        lines.append(f"* {target}: {speedup:.1f}x")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = arguments(__doc__, "writes")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--target", choices=TARGETS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = args.rounds or (20 if args.quick else 200)
    if args.target:
        target_main(args.target, rounds)
        return
    report: dict[str, Any] = {**environment(), "rounds": rounds, "targets": {}}
    for target in TARGETS:
        command = [sys.executable, "-m", "benchmarks.writes", "--target", target, "--rounds", str(rounds)]
        output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        report["targets"][target] = json.loads(output.strip().splitlines()[-1])
    save(args.out, "writes", render(report), report)


if __name__ == "__main__":
    main()
