"""``dynamo serve --workers N``: N processes over one data directory, one listening socket."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from tests.helpers import boto_client, children, running_server, unique


def test_workers_share_data_and_catalog() -> None:
    # Every worker sees every write and every table change, whichever worker made it;
    # SIGTERM stops them all and removes an --in-memory directory.
    with running_server("--in-memory", "--workers", "2") as (url, process):
        assert len(children(process.pid)) >= 2  # the workers (and uvicorn's helpers)
        first = unique("w")
        boto_client(url).create_table(
            TableName=first,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        clients = [boto_client(url) for _ in range(12)]  # new connections, spread over the workers
        for i, client in enumerate(clients):
            client.put_item(TableName=first, Item={"pk": {"S": f"k{i}"}})
        for client in clients:
            assert client.scan(TableName=first, ConsistentRead=True)["Count"] == len(clients)
        second = unique("w")
        clients[0].create_table(
            TableName=second,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )
        clients[1].delete_table(TableName=first)
        for client in clients:
            assert set(client.list_tables()["TableNames"]) == {second}
            client.put_item(TableName=second, Item={"id": {"N": "1"}})
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0
    match = re.search(r"data dir (\S+) \(temporary, deleted on exit\) durability strict workers 2", output)
    assert match, output
    assert not Path(match.group(1)).exists()
