"""A load generator that is not boto3: pre-built HTTP/1.1 requests over keep-alive
connections from one asyncio (uvloop) process, so that the server is what is measured.

Each connection sends one request, reads the whole response (status line, headers,
Content-Length body) and sends the next, for a fixed time. Requests are rendered to bytes
before the clock starts; the loop only writes and parses lengths. ``server_cpu`` reads the
server process's CPU time from /proc, so a run also reports CPU microseconds per request.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.common import HEADERS


def render(url: str, operation: str, body: dict[str, Any]) -> bytes:
    """One DynamoDB JSON request as the bytes of an HTTP/1.1 keep-alive POST."""
    host = url.removeprefix("http://")
    payload = json.dumps(body).encode()
    headers = {**HEADERS, "Host": host, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"POST / HTTP/1.1\r\n{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1e6 if ordered else 0.0


async def _connection(
    url: str, requests: list[bytes], offset: int, deadline: float, latencies: list[float]
) -> tuple[int, int]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    clock = time.perf_counter
    done = errors = 0
    count = len(requests)
    try:
        while True:
            start = clock()
            if start >= deadline:
                return done, errors
            writer.write(requests[(offset + done) % count])
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
            lower = head.lower()
            at = lower.index(b"content-length:") + 15
            length = int(lower[at : lower.index(b"\r\n", at)])
            await reader.readexactly(length)
            latencies.append(clock() - start)
            done += 1
    finally:
        writer.close()


async def _drive(url: str, requests: list[bytes], connections: int, seconds: float) -> LoadResult:
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    spread = max(1, len(requests) // connections)
    results = await asyncio.gather(
        *(_connection(url, requests, i * spread, deadline, latencies) for i in range(connections))
    )
    elapsed = time.perf_counter() - start
    return LoadResult(sum(r[0] for r in results), elapsed, latencies, sum(r[1] for r in results))


def drive(url: str, requests: list[bytes], *, connections: int = 4, seconds: float = 3.0) -> LoadResult:
    """Send ``requests`` (cycled) over ``connections`` keep-alive connections for ``seconds``."""
    import uvloop

    return uvloop.run(_drive(url, requests, connections, seconds))


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the process ``pid`` has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listener_pid(url: str) -> int | None:
    """The process listening on ``url``'s local port (another endpoint started by hand, such
    as dynalite), so its CPU can be measured too; None if it is not on this machine or
    not ours to see."""
    port = int(url.removeprefix("http://").rsplit(":", 1)[1].rstrip("/"))
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                        inodes.add(fields[9])
        except OSError:
            continue
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    return int(pid)
        except OSError:
            continue
    return None
