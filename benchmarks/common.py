"""What the benchmarks share: timing, the HTTP caller, the canned-response baseline server
and the report boilerplate (header line, writing results)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# What botocore sends with every DynamoDB request (the values' shapes and lengths).
HEADERS = {
    "Accept-Encoding": "identity",
    "Content-Type": "application/x-amz-json-1.0",
    "User-Agent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.7 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.0",
    "X-Amz-Date": "20261128T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261128/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
    + "5d672d79c15b13162d9279b0855cfba6"
    * 2,
    "amz-sdk-invocation-id": "0b6e0c1a-3c0e-4d4e-9c1e-5b8f3f0f7a61",
    "amz-sdk-request": "attempt=1",
}


def arguments(doc: str | None, name: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: ``--quick`` and ``--out`` (where results go)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--out", default=str(RESULTS), help=f"where to write {name}.md/json ('' = nowhere)")
    return parser


def pk_sk_table(name: str) -> dict[str, Any]:
    """CreateTable of an on-demand table keyed ``pk`` (S) and ``sk`` (N), the shape most
    benchmarks read and write."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
    }


def rss_line(report: dict[str, Any]) -> str:
    return f"Peak RSS of the benchmark process: {report['peak_rss_mb']:.0f} MB."


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    """Calls/s and latency percentiles (µs) of timed calls that took ``elapsed`` seconds."""
    latencies.sort()
    return {
        "ops": len(latencies),
        "ops_per_s": len(latencies) / elapsed,
        "p50_us": latencies[len(latencies) // 2] * 1e6,
        "p99_us": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e6,
    }


def timed(fn: Callable[[], int], repeat: int) -> dict[str, float]:
    """Call ``fn`` ``repeat`` times; it returns how many items it handled.

    Returns calls/s, items/s and per-call latency percentiles in microseconds.
    """
    latencies, items = [], 0
    clock = time.perf_counter
    start = clock()
    for _ in range(repeat):
        t0 = clock()
        items += fn()
        latencies.append(clock() - t0)
    elapsed = clock() - start
    return {**summary(latencies, elapsed), "items_per_s": items / elapsed}


def timed_for(call: Callable[[T], Any], inputs: Iterable[T], seconds: float) -> dict[str, float]:
    """Call ``call`` on each input in turn until ``seconds`` pass (or the inputs run out)."""
    clock = time.perf_counter
    latencies = []
    start = clock()
    deadline = start + seconds
    for argument in inputs:
        t0 = clock()
        call(argument)
        t1 = clock()
        latencies.append(t1 - t0)
        if t1 >= deadline:
            break
    return summary(latencies, clock() - start)


def measured(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    """ops/s from a plain loop of ``repeat`` calls (the call's own cost, for ratios between
    targets), and p50/p99 latency from a timed run of the same calls."""
    clock = time.perf_counter
    start = clock()
    for _ in range(repeat):
        call()
    ops = repeat / (clock() - start)

    def one() -> int:
        call()
        return 1

    return {**timed(one, repeat), "ops_per_s": ops}


def embedded_puts(
    table: str, items: list[dict[str, Any]], durability: str, setup: Callable[[Any], None]
) -> dict[str, float]:
    """PutItem each item, one call each, into ``table`` of a fresh embedded store that
    ``setup(client)`` prepared; the timing of the puts alone."""
    import tempfile

    import dynamo

    with (
        tempfile.TemporaryDirectory(prefix="bench-") as path,
        dynamo.connect(path, durability=durability, maintenance_interval=0) as client,  # type: ignore[arg-type]
    ):
        setup(client)
        pending = iter(items)

        def put() -> int:
            client.put_item(TableName=table, Item=next(pending))
            return 1

        return timed(put, len(items))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def environment() -> dict[str, str]:
    """When and where a run happened (the first fields of every report)."""
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }


def save(out: str, name: str, text: str, report: dict[str, Any]) -> None:
    """Print the markdown table and, unless ``out`` is empty, write ``name``.md/.json there."""
    print(text)
    if out:
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{name}.md").write_text(text)
        (directory / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")


class HttpCaller:
    """DynamoDB JSON requests over one keep-alive connection (plain http.client, not boto3,
    so that the server is what is measured)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port))

    def __call__(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
        self.connection.request("POST", "/", json.dumps(body), headers)
        response = self.connection.getresponse()
        document = dict(json.loads(response.read()))
        if response.status != 200:
            raise RuntimeError(f"{operation} failed: {document}")
        return document

    def close(self) -> None:
        self.connection.close()


@contextmanager
def dynamo_server(*args: str) -> Iterator[str]:
    """``dynamo serve`` on a free port; yields its URL."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import running_server

    with running_server(*args) as (url, _):
        yield url


CANNED_BODY = b'{"UnprocessedItems":{}}'


class Canned:
    """The HTTP floor: reads each request and answers one fixed document, with the headers a
    DynamoDB reply carries. Served two ways: by ``dynamo serve``'s own HTTP protocol
    (``respond``, the floor of our stack) and as an ASGI app under uvicorn's protocol."""

    def __init__(self) -> None:
        from dynamo.http import build_reply

        self.reply = build_reply(
            200, CANNED_BODY, b"application/x-amz-json-1.0", [(b"x-amzn-requestid", b"0" * 52)]
        )

    def respond(
        self, method: str, path: str, query: bytes, headers: dict[str, str], body: bytes | None, later: Any
    ) -> Any:
        return self.reply

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": self.reply.headers})
        await send({"type": "http.response.body", "body": self.reply.body})


canned_app = Canned()


@contextmanager
def canned_server() -> Iterator[str]:
    """The canned-response server, configured as ``dynamo serve`` is."""
    with canned_process() as (url, _):
        yield url


@contextmanager
def canned_process(protocol: str = "dynamo") -> Iterator[tuple[str, Any]]:
    """``canned_server``, yielding (url, process) for measuring the server's own CPU.
    ``protocol``: ``dynamo`` (the HTTP protocol ``dynamo serve`` runs) or ``asgi``
    (uvicorn's own httptools protocol, the canned document sent as ASGI messages)."""
    import subprocess

    sys.path.insert(0, str(ROOT))
    from tests.helpers import free_port, wait_for_server

    port = free_port()
    http = "'dynamo.http_protocol:DynamoProtocol'" if protocol == "dynamo" else "'httptools'"
    code = (
        "import uvicorn; from benchmarks.common import canned_app; "
        f"uvicorn.run(canned_app, host='127.0.0.1', port={port}, log_level='warning', http={http}, "
        "access_log=False, server_header=False, proxy_headers=False, lifespan='off')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, process=process)
        yield url, process
    finally:
        process.terminate()
        process.wait()
