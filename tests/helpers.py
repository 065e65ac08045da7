"""Helpers shared by the test suite (servers, clients, tables, error assertions)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
import uvicorn
from botocore.config import Config
from botocore.exceptions import ClientError

from dynamo.server import uvicorn_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


START = 1_800_000_000.0


class ManualClock:
    """A clock that moves only when a test moves it (``clock.now += 60``)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a ``--workers`` server's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_server(url: str, timeout: float = 20.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def running_server(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A ``dynamo serve`` subprocess on a free port; yields (url, process)."""
    port = free_port()
    command = [sys.executable, "-m", "dynamo", "serve", "--port", str(port), *args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, process=process)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def serving(app: Any, keep_alive: float = 5.0) -> Iterator[str]:
    """An App served as ``dynamo serve`` serves it (uvicorn with DynamoProtocol) on a thread
    of this process, so a test can share its engine or its clock; yields the URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, timeout_keep_alive=keep_alive))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def boto_client(url: str, region: str = "us-east-1", service: str = "dynamodb") -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
        # Server-side validation is what the suite tests, so boto3's own checks are off.
        config=Config(
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            parameter_validation=False,
        ),
    )


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_table(
    client: Any,
    *,
    hash_key: tuple[str, str] = ("pk", "S"),
    range_key: tuple[str, str] | None = None,
    name: str | None = None,
    **extra: Any,
) -> str:
    """Create an on-demand table (waiting until ACTIVE) and return its name."""
    name = name or unique()
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    definitions = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key is not None:
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        definitions.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    kwargs: dict[str, Any] = {"BillingMode": "PAY_PER_REQUEST"}
    kwargs.update(extra)
    kwargs.setdefault("AttributeDefinitions", definitions)
    client.create_table(TableName=name, KeySchema=schema, **kwargs)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name


def create_gsi_table(client: Any, *, index: str = "gsi", attribute: tuple[str, str] = ("g", "S")) -> str:
    """A hash-key table (``pk`` S) with one all-projecting GSI on ``attribute``."""
    return create_table(
        client,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": attribute[0], "AttributeType": attribute[1]},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": attribute[0], "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def wait_active(client: Any, name: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll DescribeTable until a table (a restore target, say) is ACTIVE; its description."""
    deadline = time.monotonic() + timeout
    while True:
        table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
        if table["TableStatus"] == "ACTIVE" or time.monotonic() > deadline:
            return table
        time.sleep(0.02)


@contextmanager
def raises(code: str, message: str | None = None, *, startswith: str | None = None) -> Iterator[Any]:
    """Expect a ClientError with this error code (and exact message, if given)."""
    with pytest.raises(ClientError) as info:
        yield info
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message
    if startswith is not None:
        assert error["Message"].startswith(startswith), error["Message"]


def wait_until_done(describe: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a Describe call (an export's or import's) until its status is not IN_PROGRESS."""
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = describe()
        status = found.get("ExportStatus") or found.get("ImportStatus")
        if status != "IN_PROGRESS" or time.monotonic() > deadline:
            return found
        time.sleep(0.02)
