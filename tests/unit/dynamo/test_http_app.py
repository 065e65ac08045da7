"""The ASGI app driven directly (no sockets): failures become 500s, never a dead server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from dynamo import dispatch
from dynamo.engine import Engine
from dynamo.http import App
from dynamo.operations import OPERATIONS

AUTH = (
    "AWS4-HMAC-SHA256 Credential=A/20261128/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"
)


def drive(app: App, target: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One POST through the ASGI app, its body given as these receive() messages; what the
    app sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/x-amz-json-1.0"),
            (b"x-amz-target", target.encode()),
            (b"x-amz-date", b"20261128T000000Z"),
            (b"authorization", AUTH.encode()),
        ],
    }
    asyncio.run(app(scope, receive, send))
    return sent


def call(app: App, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    start, payload = drive(app, target, [{"type": "http.request", "body": body, "more_body": False}])
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, payload["body"]


@pytest.fixture
def app() -> Any:
    engine = Engine()
    app = App(engine)
    yield app
    app._writer.shutdown(wait=True)
    engine.close()


def test_unexpected_exception_is_a_500(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # A bug inside an operation becomes a 500 InternalServerError (translated in one place).
    def broken(ctx: Any, request: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setitem(OPERATIONS, "ListTables", dataclasses.replace(OPERATIONS["ListTables"], run=broken))
    status, _, body = call(app, "DynamoDB_20120810.ListTables", b"{}")
    assert status == 500
    assert json.loads(body) == {
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error",
    }


def test_app_keeps_serving_after_a_500(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # After an internal error, the next request is served normally.
    original = dispatch.handle

    def flaky(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(dispatch, "handle", original)
        raise MemoryError("transient")

    monkeypatch.setattr(dispatch, "handle", flaky)
    assert call(app, "DynamoDB_20120810.ListTables", b"{}")[0] == 500
    assert call(app, "DynamoDB_20120810.ListTables", b"{}")[0] == 200


def test_partiql_selects_are_served_as_reads(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # A SELECT (alone, in a batch, in a transaction) never waits behind the writer thread;
    # a write still goes through it.
    class Closed:
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the writer thread was used")

    call(
        app,
        "DynamoDB_20120810.CreateTable",
        json.dumps(
            {
                "TableName": "reads",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            }
        ).encode(),
    )
    monkeypatch.setattr(app, "_writer", Closed())
    select = "SELECT * FROM \"reads\" WHERE pk = 'a'"
    for target, body in (
        ("ExecuteStatement", {"Statement": select}),
        ("BatchExecuteStatement", {"Statements": [{"Statement": select}]}),
        (
            "ExecuteTransaction",
            {"TransactStatements": [{"Statement": "  select * from \"reads\" where pk = 'a'"}]},
        ),
    ):
        status, _, payload = call(app, f"DynamoDB_20120810.{target}", json.dumps(body).encode())
        assert status == 200, payload
    status, _, _ = call(
        app,
        "DynamoDB_20120810.ExecuteStatement",
        json.dumps({"Statement": "DELETE FROM \"reads\" WHERE pk = 'a'"}).encode(),
    )
    assert status == 500  # it went to the (closed) writer thread


def test_a_write_raising_a_base_exception_is_still_answered(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Work on a writer thread that raises even a BaseException gets a 500; its connection never hangs.
    original = dispatch.handle

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(dispatch, "handle", original)
        raise KeyboardInterrupt

    monkeypatch.setattr(dispatch, "handle", interrupted)
    status, _, _ = call(app, "DynamoDB_20120810.DeleteTable", b'{"TableName": "nope"}')
    assert status == 500
    assert call(app, "DynamoDB_20120810.ListTables", b"{}")[0] == 200


def test_a_body_cut_off_by_a_disconnect_runs_nothing(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # A client gone before its body was whole: no operation runs and nothing is sent.
    ran: list[Any] = []
    monkeypatch.setattr(dispatch, "handle", lambda *args, **kwargs: ran.append(args))
    cut_off = [
        {"type": "http.request", "body": b'{"TableName": "t", "Item"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert drive(app, "DynamoDB_20120810.PutItem", cut_off) == []
    assert ran == []
