"""Threads sharing one engine: readers never see a 500 while tables come and go, failed
writes and map growth complete promptly under concurrent reads."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import dynamo
from dynamo.engine import Engine
from tests.helpers import boto_client, running_server

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def readers(
    client: Any, table: str, stop: threading.Event, errors: list[str], count: int = 3
) -> list[threading.Thread]:
    def read() -> None:
        while not stop.is_set():
            try:
                client.get_item(TableName=table, Key={"pk": {"S": "a"}})
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code != "ResourceNotFoundException":
                    errors.append(code)

    threads = [threading.Thread(target=read, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


@pytest.mark.slow
def test_tables_come_and_go_under_readers() -> None:
    # Readers see the item or ResourceNotFound while its table is deleted and re-created, never a 500.
    engine = Engine()
    client = dynamo.Client(engine, parameter_validation=False)
    stop, errors = threading.Event(), []
    threads = readers(client, "churn", stop, errors)
    deadline = time.monotonic() + 4
    cycles = 0
    while time.monotonic() < deadline:
        client.create_table(
            TableName="churn", KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
        )
        client.put_item(TableName="churn", Item={"pk": {"S": "a"}})
        client.delete_table(TableName="churn")
        cycles += 1
    stop.set()
    for thread in threads:
        thread.join()
    engine.close()
    assert cycles > 10 and errors == []


@pytest.mark.slow
def test_failed_writes_do_not_stall_under_readers() -> None:
    # A write that fails (and aborts) returns at once even while several threads read.
    engine = Engine()
    client = dynamo.Client(engine, parameter_validation=False)
    client.create_table(
        TableName="busy", KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    client.put_item(TableName="busy", Item={"pk": {"S": "a"}})
    stop, errors = threading.Event(), []
    threads = readers(client, "busy", stop, errors, count=4)
    slowest = 0.0
    for _ in range(30):
        started = time.monotonic()
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(
                TableName="busy", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)"
            )
        slowest = max(slowest, time.monotonic() - started)
    stop.set()
    for thread in threads:
        thread.join()
    engine.close()
    assert slowest < 1.0 and errors == []


@pytest.mark.slow
def test_map_grows_under_readers(tmp_path: Path) -> None:
    # The map doubles as needed while other threads keep reading.
    engine = Engine(str(tmp_path), map_size=1 << 20)
    client = dynamo.Client(engine, parameter_validation=False)
    client.create_table(
        TableName="grow", KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
    )
    stop, errors = threading.Event(), []
    threads = readers(client, "grow", stop, errors, count=4)
    for i in range(400):
        client.put_item(TableName="grow", Item={"pk": {"S": f"k{i}"}, "d": {"S": "x" * 8000}})
    stop.set()
    for thread in threads:
        thread.join()
    assert engine.store.env.map_size > 1 << 20 and errors == []
    assert client.describe_table(TableName="grow")["Table"]["ItemCount"] == 400
    engine.close()


@pytest.mark.slow
def test_transactional_transfers_keep_the_total_over_http() -> None:
    # Concurrent transfers through TransactWriteItems are serializable: the sum of balances never changes.
    accounts, start = 10, 100
    with running_server("--in-memory") as (url, _):
        setup = boto_client(url)
        setup.create_table(
            TableName="bank", KeySchema=KEY, AttributeDefinitions=DEFS, BillingMode="PAY_PER_REQUEST"
        )
        setup.batch_write_item(
            RequestItems={
                "bank": [
                    {"PutRequest": {"Item": {"pk": {"S": f"a{i}"}, "bal": {"N": str(start)}}}}
                    for i in range(accounts)
                ]
            }
        )
        unexpected: list[str] = []
        outcomes = {"committed": 0, "cancelled": 0}
        lock = threading.Lock()

        def transfer(seed: int) -> None:
            rng = random.Random(seed)
            client = boto_client(url)
            for _ in range(60):
                source, target = rng.sample(range(accounts), 2)
                amount = str(rng.randint(1, 40))
                try:
                    client.transact_write_items(
                        TransactItems=[
                            {
                                "Update": {
                                    "TableName": "bank",
                                    "Key": {"pk": {"S": f"a{source}"}},
                                    "UpdateExpression": "SET bal = bal - :x",
                                    "ConditionExpression": "bal >= :x",
                                    "ExpressionAttributeValues": {":x": {"N": amount}},
                                }
                            },
                            {
                                "Update": {
                                    "TableName": "bank",
                                    "Key": {"pk": {"S": f"a{target}"}},
                                    "UpdateExpression": "SET bal = bal + :x",
                                    "ExpressionAttributeValues": {":x": {"N": amount}},
                                }
                            },
                        ]
                    )
                    outcome = "committed"
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "TransactionCanceledException":
                        with lock:
                            unexpected.append(exc.response["Error"]["Code"])
                        continue
                    outcome = "cancelled"  # insufficient funds: an expected business outcome
                with lock:
                    outcomes[outcome] += 1

        threads = [threading.Thread(target=transfer, args=(seed,)) for seed in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        items = setup.scan(TableName="bank", ConsistentRead=True)["Items"]
        balances = [int(item["bal"]["N"]) for item in items]
    assert unexpected == []
    assert outcomes["committed"] > 0
    assert sum(balances) == accounts * start and min(balances) >= 0
