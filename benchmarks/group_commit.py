"""Group commit: strictly durable PutItem throughput as concurrent writers grow.

Each acknowledged write waits for its commit to reach the disk (fsync). With group commit,
writers that arrive together share one commit, so throughput should grow with the number
of writers instead of staying at one fsync per write. Measured in one run:

* ``embedded`` - 1, 2, 4 and 8 threads calling ``client.put_item`` (1 KB items);
* ``http``     - ``dynamo serve`` with 1, 2, 4 and 8 keep-alive connections of PutItem from
  the asyncio load generator (the server's writer threads group their commits);
* ``raw``      - one thread putting the same items into LMDB with an fsync per commit
  (the one-writer ceiling).

Target (issue 10): 8 concurrent writers reach at least 3x the writes/s of 1 writer.

    python -m benchmarks.group_commit [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import tempfile
import threading
import time
from typing import Any

from benchmarks.common import ROOT, HttpCaller, arguments, environment, peak_rss_mb, rss_line, save
from benchmarks.load import drive, render

TABLE = "writes"
WRITERS = (1, 2, 4, 8)
SCHEMA = {
    "TableName": TABLE,
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
}


def item(writer: int, n: int) -> dict[str, Any]:
    return {"pk": {"S": f"w{writer}-{n}"}, "v": {"S": "x" * 1000}}


def run_embedded(seconds: float) -> dict[int, float]:
    import dynamo

    out = {}
    for writers in WRITERS:
        with (
            tempfile.TemporaryDirectory(prefix="bench-gc-") as path,
            dynamo.connect(path, maintenance_interval=0) as client,
        ):
            client.create_table(**SCHEMA)
            out[writers] = _threads(client, writers, seconds)
    return out


def _threads(client: Any, writers: int, seconds: float) -> float:
    """Writes/s of ``writers`` threads putting items as fast as they can for ``seconds``."""
    counts = [0] * writers
    ready = threading.Barrier(writers + 1)
    deadline = [0.0]

    def work(w: int) -> None:
        ready.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            client.put_item(TableName=TABLE, Item=item(w, n))
            n += 1
        counts[w] = n

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def run_http(seconds: float) -> dict[int, float]:
    import sys

    sys.path.insert(0, str(ROOT))
    from tests.helpers import running_server

    out = {}
    with running_server("--in-memory", "--ttl-interval", "0") as (url, _):
        caller = HttpCaller(url)
        caller("CreateTable", SCHEMA)
        caller.close()
        for writers in WRITERS:
            requests = [
                render(url, "PutItem", {"TableName": TABLE, "Item": item(writers, n)}) for n in range(5000)
            ]
            result = drive(url, requests, connections=writers, seconds=seconds)
            if result.errors:
                raise RuntimeError(f"{result.errors} PutItem requests failed")
            out[writers] = result.per_second
    return out


def run_raw(seconds: float) -> float:
    import lmdb
    import msgpack

    with tempfile.TemporaryDirectory(prefix="bench-gc-raw-") as path:
        env = lmdb.open(path, map_size=1 << 32, max_dbs=2)
        db = env.open_db(b"t")
        n = 0
        began = time.perf_counter()
        while time.perf_counter() < began + seconds:
            with env.begin(write=True, db=db) as txn:
                txn.put(f"w0-{n}".encode(), msgpack.packb(item(0, n)))
            n += 1
        rate = n / (time.perf_counter() - began)
        env.close()
        return rate


def main() -> None:
    args = arguments(__doc__, "group_commit").parse_args()
    seconds = 0.5 if args.quick else 3.0
    embedded = run_embedded(seconds)
    http = run_http(seconds)
    raw = run_raw(seconds)
    report = {
        **environment(),
        "embedded": embedded,
        "http": http,
        "raw_one_writer": raw,
        "peak_rss_mb": peak_rss_mb(),
    }
    lines = [
        "# Group commit: strict PutItem throughput by concurrent writers",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; 1 KB items, strict "
        f"durability (every acknowledged write is on disk), {seconds:g} s per point. Raw LMDB with one "
        f"writer and an fsync per commit: {raw:,.0f} writes/s.",
        "",
        "| writers | embedded writes/s | x 1 writer | http writes/s | x 1 writer |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for writers in WRITERS:
        lines.append(
            f"| {writers} | {embedded[writers]:,.0f} | {embedded[writers] / embedded[1]:.2f}x | "
            f"{http[writers]:,.0f} | {http[writers] / http[1]:.2f}x |"
        )
    lines += [
        "",
        f"8 writers: **{embedded[8] / embedded[1]:.2f}x** one writer embedded, **{http[8] / http[1]:.2f}x** over "
        "HTTP (target: at least 3x).",
        "",
        rss_line(report),
        "",
        "Reproduce: `python -m benchmarks.group_commit`.",
        "",
    ]
    save(args.out, "group_commit", "\n".join(lines), report)


if __name__ == "__main__":
    main()
