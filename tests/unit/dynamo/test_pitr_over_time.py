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
        db.engine.jobs.stop()  # as if the process ended before the restore ran
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


def test_a_transaction_is_one_instant(db: Any, clock: ManualClock) -> None:
    # Every change of a transaction is recorded at one time, even if the clock moves during it.
    name = gsi_table(db)
    db.batch_write_item(
        RequestItems={
            name: [{"PutRequest": {"Item": {"pk": {"S": k}, "bal": {"N": "100"}}}} for k in ("x", "y")]
        }
    )
    clock.now += 10
    before = clock.now

    class Ticking:
        def __call__(self) -> float:
            clock.now += 0.0011  # real time passes between the transaction's items
            return clock.now

    db.engine.clock = db.engine.context().clock = Ticking()  # type: ignore[method-assign]
    for region_ctx in db.engine._contexts.values():
        region_ctx.clock = db.engine.clock
    db.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": name,
                    "Key": {"pk": {"S": k}},
                    "UpdateExpression": "ADD bal :d",
                    "ExpressionAttributeValues": {":d": {"N": d}},
                }
            }
            for k, d in (("x", "-100"), ("y", "100"))
        ]
    )
    after = clock.now
    for i, ms in enumerate(range(int(before * 1000), int(after * 1000) + 2)):
        restored = restore_at(db, name, ms / 1000, f"tick-{i}")["items"]
        assert sum(int(item["bal"]["N"]) for item in restored.values()) == 200, ms


def test_longer_period_does_not_reach_trimmed_history(db: Any, clock: ManualClock) -> None:
    # Raising RecoveryPeriodInDays after history was trimmed keeps the window where history exists.
    name = gsi_table(db)
    db.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1},
    )
    start = clock.now
    clock.now += 10
    db.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    clock.now += 2 * DAY
    db.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    db.run_maintenance()
    db.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 35},
    )
    with raises("InvalidRestoreTimeException"):
        db.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName="too-early", RestoreDateTime=start + 5
        )


def test_far_future_restore_time_is_invalid_not_an_error(db: Any, clock: ManualClock) -> None:
    # A restore time beyond any date is refused with InvalidRestoreTimeException, not a server error.
    name = gsi_table(db)
    for when in (1e18, 253402300800):
        with raises("InvalidRestoreTimeException"):
            db.restore_table_to_point_in_time(
                SourceTableName=name, TargetTableName="far-future", RestoreDateTime=when
            )


def test_refused_overrides_leave_no_files(db: Any, clock: ManualClock) -> None:
    # A point-in-time restore refused for its overrides writes nothing to the backup directory.
    import os

    name = gsi_table(db)
    with raises(
        "ValidationException", "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED"
    ):
        db.restore_table_to_point_in_time(
            SourceTableName=name,
            TargetTableName="refused",
            UseLatestRestorableTime=True,
            ProvisionedThroughputOverride={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
    directory = os.path.join(db.engine.path, "backups")
    assert not os.path.isdir(directory) or os.listdir(directory) == []


def test_override_names_must_be_distinct(db: Any, clock: ManualClock) -> None:
    # Two overrides cannot both take one source index (or share a name).
    name = gsi_table(db)
    arn = db.create_backup(TableName=name, BackupName="dups")["BackupDetails"]["BackupArn"]
    gsi = {"KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
    with raises(
        "ValidationException", "One or more parameter values were invalid: Duplicate index name: same"
    ):
        db.restore_table_from_backup(
            BackupArn=arn,
            TargetTableName="dups",
            GlobalSecondaryIndexOverride=[{"IndexName": "same", **gsi}] * 2,
        )
    with raises("ValidationException", startswith="Index second does not match a secondary index"):
        db.restore_table_from_backup(
            BackupArn=arn,
            TargetTableName="dups",
            GlobalSecondaryIndexOverride=[{"IndexName": "first", **gsi}, {"IndexName": "second", **gsi}],
        )


def test_damaged_backup_cannot_leave_a_table_stuck(db: Any, clock: ManualClock) -> None:
    # A backup whose file is damaged is refused; one that breaks during the restore frees the target name.
    import os

    name = gsi_table(db)
    for i in range(30):
        db.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"}})
    arn = db.create_backup(TableName=name, BackupName="damaged")["BackupDetails"]["BackupArn"]
    directory = os.path.join(db.engine.path, "backups")
    (file,) = [os.path.join(directory, f) for f in os.listdir(directory)]
    with open(file, "r+b") as handle:
        handle.truncate(os.path.getsize(file) // 2)
    with raises("InternalServerError"):
        db.restore_table_from_backup(BackupArn=arn, TargetTableName="from-damaged")
    db.engine.jobs.stop()  # the file breaks after the restore was accepted:
    good = db.create_backup(TableName=name, BackupName="goodone")["BackupDetails"]["BackupArn"]
    db.restore_table_from_backup(BackupArn=good, TargetTableName="from-good")
    (good_file,) = [os.path.join(directory, f) for f in os.listdir(directory) if f != os.path.basename(file)]
    os.remove(good_file)
    from dynamo.jobs import Jobs
    from dynamo.restorer import RestoreJob

    Jobs(db.engine, [RestoreJob()]).run_one()
    with raises("ResourceNotFoundException"):
        db.describe_table(TableName="from-good")
    db.delete_backup(BackupArn=good)  # no longer "in use"


def test_two_restorers_never_fill_one_table_twice(db: Any, clock: ManualClock) -> None:
    # A job is leased: a second process cannot run it, and after it finishes nothing is written again.
    from dynamo.jobs import Jobs
    from dynamo.restorer import RestoreJob

    name = gsi_table(db)
    for i in range(5):
        db.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    arn = db.create_backup(TableName=name, BackupName="leased")["BackupDetails"]["BackupArn"]
    db.engine.jobs.stop()
    db.restore_table_from_backup(BackupArn=arn, TargetTableName="leased-copy")
    first, second = Jobs(db.engine, [RestoreJob()]), Jobs(db.engine, [RestoreJob()])
    assert first._claim() is not None  # first holds the lease ...
    assert second.run_one() is False  # ... so the second finds nothing to do
    first._retry_at.clear()
    assert first.run_one() is True
    assert wait_active(db, "leased-copy")["ItemCount"] == 5
    for i in range(5):
        db.delete_item(TableName="leased-copy", Key={"pk": {"S": f"k{i}"}})
    assert second.run_one() is False
    assert db.scan(TableName="leased-copy")["Count"] == 0
