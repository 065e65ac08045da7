"""The ``dynamo serve`` command: startup line, data directory, clean shutdown on signals."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.helpers import ROOT, boto_client, create_table, free_port, running_server, wait_for_server


def test_serve_logs_one_startup_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    # `dynamo serve` logs its address and data dir once, serves boto3, and exits 0 on SIGTERM.
    data = tmp_path / "data"
    with running_server("--data-dir", str(data)) as (url, process):
        client = boto_client(url)
        assert client.list_tables()["TableNames"] == []
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0
    lines = [line for line in output.splitlines() if "serving" in line]
    assert len(lines) == 1 and url in lines[0] and str(data) in lines[0]
    assert (data / "data.mdb").exists()


def test_in_memory_directory_is_removed(tmp_path: Path) -> None:
    # --in-memory uses a temporary directory that is deleted when the server stops (SIGINT too).
    with running_server("--in-memory") as (url, process):
        boto_client(url).list_tables()
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0
    match = re.search(r"data dir (\S+) \(temporary, deleted on exit\)", output)
    assert match, output
    assert not Path(match.group(1)).exists()


def test_dax_port_serves_a_cached_endpoint_beside_the_main_one() -> None:
    # --dax-port: a second endpoint with the cache in front (stats at GET /stats); the main
    # port stays uncached; SIGTERM stops both.
    dax_port = free_port()
    args = ("--in-memory", "--dax-port", str(dax_port), "--cache-item-ttl", "120", "--cache-item-mb", "1")
    with running_server(*args) as (url, process):
        cache_url = f"http://127.0.0.1:{dax_port}"
        wait_for_server(cache_url)
        main, cached = boto_client(url), boto_client(cache_url)
        table = create_table(main)
        item = {"pk": {"S": "a"}, "v": {"S": "1"}}
        cached.put_item(TableName=table, Item=item)
        assert cached.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"] == item
        main.put_item(TableName=table, Item={**item, "v": {"S": "2"}})
        assert cached.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"] == item  # dax: stale
        assert main.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "2"}
        with urllib.request.urlopen(cache_url + "/stats") as response:
            stats = json.loads(response.read())
        assert stats["Mode"] == "dax"
        assert stats["ItemCache"]["Hits"] == 2 and stats["ItemCache"]["TtlSeconds"] == 120
        assert stats["ItemCache"]["MaxSizeBytes"] == 1024 * 1024
        with urllib.request.urlopen(url + "/stats") as response:  # the main port has no cache
            assert response.read().startswith(b"healthy: ")
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0
    assert f"cache endpoint {cache_url} mode dax" in output


def test_python_dash_m_help() -> None:
    # `python -m dynamo --help` lists the serve command.
    result = subprocess.run(
        [sys.executable, "-m", "dynamo", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and "serve" in result.stdout


def test_data_survives_restart(tmp_path: Path) -> None:
    # Tables and items written by one server are served by the next on the same directory.
    data = tmp_path / "data"
    with running_server("--data-dir", str(data)) as (url, _):
        client = boto_client(url)
        client.create_table(
            TableName="keep",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="keep", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    with running_server("--data-dir", str(data)) as (url, _):
        item = boto_client(url).get_item(TableName="keep", Key={"pk": {"S": "a"}})["Item"]
    assert item == {"pk": {"S": "a"}, "n": {"N": "1"}}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dynamo", *args], capture_output=True, text=True, cwd=ROOT)


def test_backup_and_pitr_commands(tmp_path: Path) -> None:
    # `dynamo backup create|list|restore` and `dynamo pitr enable|restore` work on a data directory.
    import json

    import dynamo

    data = str(tmp_path / "data")
    with dynamo.connect(data, maintenance_interval=0) as client:
        client.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="orders", Item={"pk": {"S": "o1"}})
    created = _cli("backup", "create", "--data-dir", data, "--table", "orders", "--name", "nightly")
    assert created.returncode == 0, created.stderr
    arn = json.loads(created.stdout)["BackupDetails"]["BackupArn"]
    listed = json.loads(_cli("backup", "list", "--data-dir", data).stdout)
    assert [b["BackupArn"] for b in listed["BackupSummaries"]] == [arn]
    restored = _cli("backup", "restore", "--data-dir", data, "--backup-arn", arn, "--target", "orders-copy")
    table = json.loads(restored.stdout)["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["ItemCount"] == 1
    assert _cli("pitr", "enable", "--data-dir", data, "--table", "orders").returncode == 0
    at_latest = _cli(
        "pitr", "restore", "--data-dir", data, "--source", "orders", "--target", "orders-pitr", "--latest"
    )
    assert json.loads(at_latest.stdout)["Table"]["ItemCount"] == 1
    missing = _cli(
        "pitr", "restore", "--data-dir", data, "--source", "nope", "--target", "x-copy", "--latest"
    )
    assert (
        missing.returncode == 1 and missing.stderr.strip() == "TableNotFoundException: Table not found: nope"
    )
