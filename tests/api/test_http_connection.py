"""HTTP/1.1 as SDKs use it, on raw sockets: keep-alive, pipelining, chunked bodies,
100-continue, closing, bad requests, and a server that outlives whatever bytes it is sent."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamo.engine import Engine
from dynamo.http import App
from tests.helpers import boto_client, create_table, running_server, serving, unique

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261128/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc123"
)

Response = tuple[int, dict[str, str], bytes]


def request(
    operation: str,
    payload: Any,
    *,
    version: str = "HTTP/1.1",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> bytes:
    """One request's bytes, as an SDK writes them."""
    body = json.dumps(payload).encode()
    lines = [
        f"{method} / {version}",
        "Host: localhost",
        "Content-Type: application/x-amz-json-1.0",
        f"X-Amz-Target: DynamoDB_20120810.{operation}",
        "X-Amz-Date: 20261128T000000Z",
        f"Authorization: {AUTH}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One client socket, reading responses one by one from a single buffer (so pipelined
    responses are not lost between reads)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self, *, head: bool = False) -> Response:
        status_line = self.file.readline()
        if not status_line:
            raise EOFError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head or status == 100 else int(headers.get("content-length", "0"))
        return status, headers, self.file.read(length)

    def call(self, operation: str, payload: Any, **options: Any) -> Response:
        self.send(request(operation, payload, **options))
        return self.response()

    def closed_by_server(self) -> bool:
        """The server has closed its side (EOF), rather than leaving us waiting."""
        try:
            return self.file.read(1) == b""
        except (TimeoutError, ConnectionResetError):
            return False

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def connection(server_url: str) -> Iterator[Connection]:
    opened = Connection(server_url)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def table(server_url: str) -> Iterator[str]:
    client = boto_client(server_url)
    name = create_table(client, name=unique("conn"))
    yield name
    client.delete_table(TableName=name)


@pytest.fixture(scope="module")
def local_url() -> Iterator[str]:
    """This process's own server (a short keep-alive timeout), for what only it promises."""
    engine = Engine()
    app = App(engine)
    with serving(app, keep_alive=0.5) as url:
        yield url
    app._writer.shutdown(wait=True)
    engine.close()


def test_keep_alive(connection: Connection) -> None:
    # HTTP/1.1 connections stay open: many requests are answered over one socket.
    for _ in range(3):
        status, headers, _ = connection.call("ListTables", {})
        assert status == 200
        assert headers.get("connection") != "close"


def test_pipelined_requests_are_answered_in_order(connection: Connection, table: str) -> None:
    # Requests written back to back are answered in order, each seeing the writes before it.
    key = {"pk": {"S": "p"}}
    connection.send(
        request("PutItem", {"TableName": table, "Item": {**key, "n": {"N": "1"}}})
        + request("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        + request(
            "UpdateItem",
            {
                "TableName": table,
                "Key": key,
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            },
        )
        + request("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
        + request("DescribeTable", {"TableName": unique("missing")})
        + request("ListTables", {})
    )
    responses = [connection.response() for _ in range(6)]
    assert [status for status, _, _ in responses] == [200, 200, 200, 200, 400, 200]
    assert json.loads(responses[1][2])["Item"]["n"] == {"N": "1"}
    assert json.loads(responses[3][2])["Item"]["n"] == {"N": "2"}
    assert json.loads(responses[4][2])["__type"].endswith("#ResourceNotFoundException")


def test_chunked_request_body(connection: Connection) -> None:
    # A body sent with Transfer-Encoding: chunked is read whole.
    body = b'{"Limit": 5}'
    head = request("ListTables", {}).split(b"\r\n\r\n")[0].replace(b"Content-Length: 2", b"")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:4], body[4:]))
    connection.send(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    status, _, payload = connection.response()
    assert status == 200
    assert "TableNames" in json.loads(payload)


def test_expect_100_continue(connection: Connection) -> None:
    # A client that asks before sending its body is told to go on, then answered.
    head, body = request("ListTables", {}, headers={"Expect": "100-continue"}).split(b"\r\n\r\n")
    connection.send(head + b"\r\n\r\n")
    assert connection.response()[0] == 100
    connection.send(body)
    assert connection.response()[0] == 200


def test_100_continue_waits_for_the_replies_before_it(connection: Connection, table: str) -> None:
    # A pipelined request's "100 Continue" comes after the replies owed to earlier requests.
    put = request("PutItem", {"TableName": table, "Item": {"pk": {"S": "c"}}})
    head, body = request("ListTables", {}, headers={"Expect": "100-continue"}).split(b"\r\n\r\n")
    connection.send(put + head + b"\r\n\r\n")
    assert connection.response()[0] == 200  # the PutItem's
    assert connection.response()[0] == 100
    connection.send(body)
    assert connection.response()[0] == 200


def test_header_values_lose_trailing_whitespace(connection: Connection) -> None:
    # Optional whitespace after a header value is not part of it (RFC 9110).
    data = request("ListTables", {}).replace(
        b"DynamoDB_20120810.ListTables", b"DynamoDB_20120810.ListTables \t"
    )
    connection.send(data)
    assert connection.response()[0] == 200


def test_oversized_body_refused_before_it_is_sent(server_url: str) -> None:
    # A declared body over 16 MiB with Expect: 100-continue is refused (413) without sending it.
    connection = Connection(server_url)
    head = request("ListTables", {}, headers={"Expect": "100-continue"}).split(b"\r\n\r\n")[0]
    connection.send(head.replace(b"Content-Length: 2", b"Content-Length: 16777217") + b"\r\n\r\n")
    assert connection.response()[0] == 413
    connection.close()


def test_body_over_16_mib_then_the_connection_goes_on(local_url: str) -> None:
    # A 413 is given after the oversized body has been read, and the connection stays usable.
    connection = Connection(local_url)
    oversized = b"x" * (16 * 1024 * 1024 + 1)
    head = request("ListTables", {}).split(b"\r\n\r\n")[0].replace(b"Content-Length: 2", b"")
    connection.send(head + b"Content-Length: %d\r\n\r\n" % len(oversized) + oversized)
    assert connection.response()[0] == 413
    assert connection.call("ListTables", {})[0] == 200
    connection.close()


@pytest.mark.parametrize(
    ("version", "headers"),
    [("HTTP/1.0", {}), ("HTTP/1.1", {"Connection": "close"})],
    ids=["http-1.0", "connection-close"],
)
def test_connection_closes_when_asked(server_url: str, version: str, headers: dict[str, str]) -> None:
    # HTTP/1.0 and "Connection: close" get their answer, then the server closes the connection.
    connection = Connection(server_url)
    status, _, _ = connection.call("ListTables", {}, version=version, headers=headers)
    assert status == 200
    assert connection.closed_by_server()
    connection.close()


def test_http10_keep_alive_when_asked(local_url: str) -> None:
    # An HTTP/1.0 client asking for keep-alive is told so, and its connection stays open.
    connection = Connection(local_url)
    for _ in range(2):
        status, headers, _ = connection.call(
            "ListTables", {}, version="HTTP/1.0", headers={"Connection": "keep-alive"}
        )
        assert status == 200
        assert headers["connection"] == "keep-alive"
    connection.close()


def test_absolute_form_request_target(connection: Connection) -> None:
    # A request line naming the whole URL (as proxies send it) is served like "/".
    data = request("ListTables", {}).replace(b"POST / HTTP/1.1", b"POST http://localhost HTTP/1.1")
    connection.send(data)
    assert connection.response()[0] == 200


def test_head_has_no_body(connection: Connection) -> None:
    # A HEAD answer has headers only: the next response on the connection starts clean.
    connection.send(request("ListTables", {}, method="HEAD"))
    _status, headers, _ = connection.response(head=True)
    assert int(headers["content-length"]) > 0
    assert connection.call("ListTables", {})[0] == 200


def test_unparseable_request_is_400_and_closes(local_url: str) -> None:
    # Bytes that are not HTTP get a 400 and a closed connection; the server keeps serving.
    connection = Connection(local_url)
    connection.send(b"NOT HTTP AT ALL\x00\r\n\r\n")
    assert connection.response()[0] == 400
    assert connection.closed_by_server()
    connection.close()
    assert Connection(local_url).call("ListTables", {})[0] == 200


def test_bad_bytes_after_a_write_are_answered_in_turn(local_url: str) -> None:
    # Unparseable bytes after a write: the write's reply first, then the 400, then close.
    engine_table = create_table(boto_client(local_url))
    connection = Connection(local_url)
    connection.send(request("PutItem", {"TableName": engine_table, "Item": {"pk": {"S": "x"}}}))
    connection.send(b"\x00GARBAGE\r\n\r\n")
    assert connection.response()[0] == 200
    assert connection.response()[0] == 400
    assert connection.closed_by_server()
    connection.close()


def test_upgrade_requests_are_answered_then_closed(local_url: str) -> None:
    # A request asking to upgrade (h2c) is answered as HTTP/1.1; the connection then closes.
    connection = Connection(local_url)
    upgrade = request("ListTables", {}, method="GET", headers={"Connection": "Upgrade", "Upgrade": "h2c"})
    connection.send(upgrade + request("ListTables", {}))
    status, headers, _ = connection.response()
    assert status == 200
    assert headers["connection"] == "close"
    assert connection.closed_by_server()
    connection.close()


def test_idle_connections_time_out(local_url: str) -> None:
    # An idle keep-alive connection is closed after the keep-alive timeout; a busy one is not.
    busy, idle = Connection(local_url), Connection(local_url)
    assert idle.call("ListTables", {})[0] == 200
    for _ in range(8):  # 1.2 s of requests, each gap well inside the 0.5 s timeout
        assert busy.call("ListTables", {})[0] == 200
        time.sleep(0.15)
    assert idle.closed_by_server()
    assert busy.call("ListTables", {})[0] == 200
    busy.close()
    idle.close()


requests = st.sampled_from(
    [request("ListTables", {}), request("GetItem", {"TableName": "t", "Key": {}}), b"GET / HTTP/1.1\r\n\r\n"]
)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """Valid requests cut, spliced and overwritten with noise: near-misses reach the deepest."""
    data = bytearray(b"".join(draw(st.lists(requests, min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        data[at : at + draw(st.integers(0, 8))] = draw(st.binary(max_size=8))
    return bytes(data[: draw(st.integers(0, len(data)))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=512), mangled()))
def test_server_survives_any_bytes(local_url: str, data: bytes) -> None:
    # Whatever bytes a client sends, the server answers or closes, and goes on serving others.
    connection = Connection(local_url, timeout=0.5)
    try:
        connection.send(data)
        connection.sock.shutdown(socket.SHUT_WR)
        while connection.file.read(65536):
            pass
    except (TimeoutError, ConnectionResetError, BrokenPipeError):
        pass  # a partial request left waiting: the server may wait for more
    finally:
        connection.close()
    probe = Connection(local_url)
    assert probe.call("ListTables", {})[0] == 200
    probe.close()


@pytest.mark.slow
def test_shutdown_finishes_the_replies_in_flight(tmp_path: Path) -> None:
    # On SIGTERM, a write being answered is answered in full, and what was acknowledged is kept.
    data = str(tmp_path / "data")
    with running_server("--data-dir", data) as (url, process):
        create_table(boto_client(url), name="kept")
        connection = Connection(url)
        connection.send(
            b"".join(
                request("PutItem", {"TableName": "kept", "Item": {"pk": {"S": f"k{i}"}}}) for i in range(16)
            )
        )
        acknowledged = [connection.response()]
        process.send_signal(signal.SIGTERM)
        while True:
            try:
                acknowledged.append(connection.response())
            except (EOFError, ConnectionResetError):
                break
        connection.close()
        assert process.wait(timeout=15) == 0
    assert all(status == 200 for status, _, _ in acknowledged)
    if len(acknowledged) < 16:  # cut short: the last reply said so
        assert acknowledged[-1][1]["connection"] == "close"
    with running_server("--data-dir", data) as (url, _):
        client = boto_client(url)
        for i in range(len(acknowledged)):
            assert "Item" in client.get_item(TableName="kept", Key={"pk": {"S": f"k{i}"}})
