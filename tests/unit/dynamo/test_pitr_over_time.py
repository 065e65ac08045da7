"""Point-in-time restores at exact moments, window trimming, consistent backups, resumed restores."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import dynamo
from tests.helpers import create_table, raises, wait_active
from tests.unit.dynamo.conftest import ManualClock

DAY = 24 * 3600.0


def gsi_table(db: Any) -> str:
    name = create_table(
        db,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    db.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    return name


def snapshot(db: Any, name: str) -> dict[str, Any]:
    """The table's items, and its index's, as comparable values."""
    items = {i["pk"]["S"]: i for i in db.scan(TableName=name, ConsistentRead=True)["Items"]}
    indexed = sorted(i["pk"]["S"] for i in db.scan(TableName=name, IndexName="by-g")["Items"])
    return {"items": items, "index": indexed}


def restore_at(db: Any, name: str, when: float, target: str) -> dict[str, Any]:
    db.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=target, RestoreDateTime=when)
    wait_active(db, target)
    return snapshot(db, target)


def test_restores_at_several_moments(db: Any, clock: ManualClock) -> None:
    # Each restore holds exactly the items (and index entries) of its moment: before, between and after writes.
    name = gsi_table(db)
    expected = {clock.now: snapshot(db, name)}  # empty, at the moment PITR was enabled
    script = [
        lambda: db.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "v": {"N": "1"}}),
        lambda: db.put_item(TableName=name, Item={"pk": {"S": "b"}, "g": {"S": "x"}}),
        lambda: db.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET v = :v REMOVE g",
            ExpressionAttributeValues={":v": {"N": "2"}},
        ),
        lambda: db.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"pk": {"S": "c"}, "g": {"S": "y"}}}},
                    {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}},
                ]
            }
        ),
        lambda: db.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": name, "Key": {"pk": {"S": "a"}}}},
                {"Put": {"TableName": name, "Item": {"pk": {"S": "d"}}}},
            ]
        ),
        lambda: db.delete_item(TableName=name, Key={"pk": {"S": "c"}}),
    ]
    for step in script:
        clock.now += 10
        step()
        expected[clock.now] = snapshot(db, name)
        clock.now += 0.5
        db.put_item(
            TableName=name, Item={"pk": {"S": "noise"}, "n": {"N": str(clock.now)}}
        )  # overwritten each time
        expected[clock.now] = snapshot(db, name)
    moments = sorted(expected)
    for i, moment in enumerate(moments):
        assert restore_at(db, name, moment, f"at-{i:02d}") == expected[moment], moment
    # Between two writes, the state after the earlier one holds.
    assert restore_at(db, name, moments[2] + 5, "between") == expected[moments[2]]


def test_window_trimming_keeps_its_start_exact(db: Any, clock: ManualClock) -> None:
    # History older than the recovery window is trimmed, and a restore at the window's start is still exact.
    name = gsi_table(db)
    db.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1},
    )
    rng = random.Random(3)
    for hour in range(48):
        clock.now += 3600
        for _ in range(5):
            k = f"k{rng.randrange(8)}"
            if rng.random() < 0.3:
                db.delete_item(TableName=name, Key={"pk": {"S": k}})
            else:
                db.put_item(TableName=name, Item={"pk": {"S": k}, "g": {"S": "x"}, "h": {"N": str(hour)}})
        if hour == 23:
            at_day_one = snapshot(db, name)
            day_one = clock.now
    clock.now = day_one + DAY  # the window now starts exactly at day_one
    engine = db.engine
    history_before = sum(1 for _ in _history(engine, name))
    engine.maintenance.run()
    assert sum(1 for _ in _history(engine, name)) < history_before
    earliest = db.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"
    ]["EarliestRestorableDateTime"]
    assert earliest.timestamp() == pytest.approx(day_one)
    assert restore_at(db, name, day_one, "window-start") == at_day_one
    with raises("InvalidRestoreTimeException"):
        db.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName="too-early", RestoreDateTime=day_one - 60
        )


def _history(engine: Any, name: str) -> Iterator[Any]:
    with engine.store.read() as view:
        table = view.table("us-east-1", name)
        yield from list(view.changes_after(table, 0))


def test_reenabling_restarts_the_window(db: Any, clock: ManualClock) -> None:
    # Disabling PITR forgets the history; re-enabling starts a new window at that moment.
    name = gsi_table(db)
    clock.now += 100
    db.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    clock.now += 100
    description = db.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    window = description["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["EarliestRestorableDateTime"].timestamp() == pytest.approx(clock.now)
    assert window["LatestRestorableDateTime"].timestamp() == pytest.approx(clock.now)


def test_backup_is_a_consistent_snapshot_under_writes() -> None:
    # Backups taken while transfers run each hold a consistent state: the balances always add up.
    with dynamo.connect(maintenance_interval=0, durability="relaxed") as db:
        name = create_table(db)
        accounts = 20
        db.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"pk": {"S": f"a{i}"}, "bal": {"N": "100"}}}}
                    for i in range(accounts)
                ]
            }
        )
        stop = threading.Event()

        def transfers(seed: int) -> None:
            rng = random.Random(seed)
            while not stop.is_set():
                x, y = rng.sample(range(accounts), 2)
                db.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": name,
                                "Key": {"pk": {"S": f"a{x}"}},
                                "UpdateExpression": "ADD bal :m",
                                "ExpressionAttributeValues": {":m": {"N": "-7"}},
                            }
                        },
                        {
                            "Update": {
                                "TableName": name,
                                "Key": {"pk": {"S": f"a{y}"}},
                                "UpdateExpression": "ADD bal :p",
                                "ExpressionAttributeValues": {":p": {"N": "7"}},
                            }
                        },
                    ]
                )

        workers = [threading.Thread(target=transfers, args=(seed,)) for seed in range(2)]
        for worker in workers:
            worker.start()
        arns = [
            db.create_backup(TableName=name, BackupName=f"backup{i}")["BackupDetails"]["BackupArn"]
            for i in range(5)
        ]
        stop.set()
        for worker in workers:
            worker.join()
        for i, arn in enumerate(arns):
            db.restore_table_from_backup(BackupArn=arn, TargetTableName=f"copy{i}")
            wait_active(db, f"copy{i}")
            balances = [int(item["bal"]["N"]) for item in db.scan(TableName=f"copy{i}")["Items"]]
            assert len(balances) == accounts and sum(balances) == 100 * accounts


def test_interrupted_restore_resumes_after_restart(tmp_path: Any) -> None:
    # A restore left unfinished when the engine stops is finished when the data directory is opened again.
    path = str(tmp_path)
    with dynamo.connect(path, maintenance_interval=0) as db:
        name = create_table(db)
        db.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(25)]}
        )
        arn = db.create_backup(TableName=name, BackupName="resume-me")["BackupDetails"]["BackupArn"]
        db.engine.restorer.stop()  # as if the process ended before the restore ran
        db.restore_table_from_backup(BackupArn=arn, TargetTableName="resumed")
        assert db.describe_table(TableName="resumed")["Table"]["TableStatus"] == "CREATING"
        with raises("ResourceNotFoundException"):
            db.get_item(TableName="resumed", Key={"pk": {"S": "k1"}})
        with raises("BackupInUseException", f"Backup is being used to restore table: {arn}"):
            db.delete_backup(BackupArn=arn)
    with dynamo.connect(path, maintenance_interval=0) as db:
        table = wait_active(db, "resumed")
        assert table["ItemCount"] == 25
        db.delete_backup(BackupArn=arn)
