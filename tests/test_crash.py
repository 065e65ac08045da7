"""Durability: a server killed with SIGKILL mid-load loses no acknowledged write."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from storage.store import Store
from storage.values import item_size
from streams import log as streams
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


def kill_mid_load(
    process: subprocess.Popen[bytes], stop: threading.Event, loaders: list[threading.Thread]
) -> None:
    """SIGKILL the server while requests are in flight, then stop the load threads."""
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    for loader in loaders:
        loader.join()


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
        kill_mid_load(process, stop, writers)

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


def post(connection: http.client.HTTPConnection, target: str, body: dict[str, object]) -> int:
    headers = {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{target}"}
    connection.request("POST", "/", body=json.dumps(body), headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def batches_until_killed(url: str, worker: int, stop: threading.Event) -> None:
    """25-item batches and 10-action transfers, alternating, until the server dies."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    i = 0
    while not stop.is_set():
        batch = f"w{worker}-{i}"
        requests = [
            {
                "PutRequest": {
                    "Item": {"pk": {"S": f"{batch}-{j}"}, "batch": {"S": batch}, "pad": {"S": "x" * 300}}
                }
            }
            for j in range(25)
        ]
        actions = [
            {
                "Update": {
                    "TableName": "accounts",
                    "Key": {"pk": {"S": f"acct{(worker * 10 + j) % 20}"}},
                    "UpdateExpression": "ADD bal :d",
                    "ExpressionAttributeValues": {":d": {"N": "-9" if j == 0 else "1"}},
                }
            }
            for j in range(10)
        ]
        try:
            post(connection, "BatchWriteItem", {"RequestItems": {"batches": requests}})
            post(connection, "TransactWriteItems", {"TransactItems": actions})
        except OSError:
            return
        i += 1


@pytest.mark.slow
def test_batches_and_transactions_never_half_apply_after_sigkill(tmp_path: Path) -> None:
    # A batch or transaction cut short by kill -9 is either wholly on disk or not at all.
    data = tmp_path / "data"
    with running_server("--data-dir", str(data)) as (url, process):
        client = boto_client(url)
        for name in ("batches", "accounts"):
            client.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
            )
        for n in range(20):
            client.put_item(TableName="accounts", Item={"pk": {"S": f"acct{n}"}, "bal": {"N": "1000"}})
        stop = threading.Event()
        workers = [threading.Thread(target=batches_until_killed, args=(url, w, stop)) for w in range(3)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            count = client.describe_table(TableName="batches")["Table"]["ItemCount"]
            if count >= 25 * 40:
                break
            time.sleep(0.05)
        kill_mid_load(process, stop, workers)

    store = Store(data)
    with store.read() as view:
        batches = view.table("us-east-1", "batches")
        accounts = view.table("us-east-1", "accounts")
        assert batches is not None and accounts is not None
        sizes: dict[str, int] = {}
        for item, _ in view.items(batches):
            sizes[item["batch"]["S"]] = sizes.get(item["batch"]["S"], 0) + 1
        assert sizes and set(sizes.values()) == {25}, "a batch was half applied"
        balances = [int(item["bal"]["N"]) for item, _ in view.items(accounts)]
        assert sum(balances) == 20 * 1000, "a transfer was half applied"
        # Stream records commit with their items: one INSERT per stored item, no more, no less.
        stream = streams.load(view.logs, bytes.fromhex(batches.meta["stream"]["log"]))
        assert stream is not None
        recorded = [record for _, record in view.logs.records(stream.log_id, 0)]
        assert len(recorded) == sum(sizes.values())
        assert {record[2]["pk"]["S"] for record in recorded} == {
            item["pk"]["S"] for item, _ in view.items(batches)
        }
    store.close()
