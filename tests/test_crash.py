"""Durability: a server killed with SIGKILL mid-load loses no acknowledged write."""

from __future__ import annotations

import http.client
import json
import signal
import threading
from pathlib import Path

import pytest

from storage.store import Store
from storage.values import item_size
from tests.helpers import boto_client, running_server

HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.PutItem",
    "X-Amz-Date": "20261128T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=A/20261128/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=x",
}


def load_until_killed(url: str, table: str, acknowledged: list[str], stop: threading.Event) -> None:
    """PutItem in a loop on one keep-alive connection, recording each 200 answer."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    i = 0
    while not stop.is_set():
        key = f"k{i:06d}"
        body = json.dumps({"TableName": table, "Item": {"pk": {"S": key}, "v": {"S": "x" * (i % 500)}}})
        try:
            connection.request("POST", "/", body=body, headers=HEADERS)
            response = connection.getresponse()
            response.read()
        except OSError:
            return  # the server is gone
        if response.status == 200:
            acknowledged.append(key)
        i += 1


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    # With strict durability, every write answered 200 is on disk after kill -9, and the store is consistent.
    data = tmp_path / "data"
    acknowledged: list[str] = []
    with running_server("--data-dir", str(data)) as (url, process):
        client = boto_client(url)
        client.create_table(
            TableName="crash",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        stop = threading.Event()
        writers = [
            threading.Thread(target=load_until_killed, args=(url, "crash", acknowledged, stop))
            for _ in range(3)
        ]
        for writer in writers:
            writer.start()
        while len(acknowledged) < 300:
            threading.Event().wait(0.01)
        process.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
        process.wait()
        stop.set()
        for writer in writers:
            writer.join()

    store = Store(data)
    with store.read() as view:
        table = view.table("us-east-1", "crash")
        assert table is not None
        stored = {item["pk"]["S"]: (item, size) for item, size in view.items(table)}
        assert set(acknowledged) <= set(stored), "an acknowledged write was lost"
        # Item, statistics and catalog committed together: the counters match the items exactly.
        assert view.item_count(table) == len(stored)
        assert view.size_bytes(table) == sum(item_size(item) for item, _ in stored.values())
        assert all(size == item_size(item) for item, size in stored.values())
    store.close()

    with running_server("--data-dir", str(data)) as (url, _):  # and a restarted server serves them
        client = boto_client(url)
        for key in acknowledged[:: max(1, len(acknowledged) // 50)]:
            assert client.get_item(TableName="crash", Key={"pk": {"S": key}})["Item"]["pk"]["S"] == key
