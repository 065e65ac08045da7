"""TTL expiry, stream retention, iterator expiry and shard rollover, with a manual clock."""

from __future__ import annotations

import threading
from typing import Any

import dynamo
from tests.helpers import create_table, raises
from tests.unit.dynamo.conftest import ManualClock

DAY = 24 * 3600.0


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def stream_table(client: Any, view_type: str = "NEW_AND_OLD_IMAGES", **extra: Any) -> tuple[str, str]:
    name = create_table(
        client, StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}, **extra
    )
    return name, client.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def read_all(streams: Any, arn: str) -> list[dict[str, Any]]:
    """Every record of every shard, parents first."""
    found = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        found += streams.get_records(ShardIterator=it)["Records"]
    return found


def test_ttl_expiry_rules(db: Any, clock: ManualClock) -> None:
    # Only top-level numbers at or before now, and not more than five years old, expire; reads see
    # expired items until the sweep; the sweep records REMOVEs made by the service and updates indexes.
    name = create_table(
        db,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    db.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = clock.now
    items = {
        "past": {"N": str(int(now - 10))},
        "now": {"N": str(now)},
        "fraction": {"N": f"{int(now) - 1}.5"},
        "exponent": {"N": "1.7e9"},
        "future": {"N": str(int(now + 60))},
        "ancient": {"N": str(int(now - 6 * 365 * DAY))},
        "string": {"S": str(int(now - 10))},
        "set": {"NS": [str(int(now - 10))]},
        "nested": {"M": {"exp": {"N": str(int(now - 10))}}},
    }
    for pk, value in items.items():
        db.put_item(TableName=name, Item={**key(pk), "g": {"S": "x"}, "exp": value})
    db.put_item(TableName=name, Item=key("none"))
    assert "Item" in db.get_item(TableName=name, Key=key("past"))  # expired, not yet deleted
    deleted, _, _ = db.run_maintenance()
    assert deleted == 4
    left = {i["pk"]["S"] for i in db.scan(TableName=name)["Items"]}
    assert left == {"future", "ancient", "string", "set", "nested", "none"}
    assert {
        i["pk"]["S"]
        for i in db.query(
            TableName=name,
            IndexName="gsi",
            KeyConditionExpression="g = :x",
            ExpressionAttributeValues={":x": {"S": "x"}},
        )["Items"]
    } == left - {"none"}
    removes = [
        r
        for r in read_all(db.streams(), db.describe_table(TableName=name)["Table"]["LatestStreamArn"])
        if r["eventName"] == "REMOVE"
    ]
    assert len(removes) == 4
    assert all(
        r["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"} for r in removes
    )
    assert all("OldImage" in r["dynamodb"] for r in removes)
    clock.now += 120
    assert db.run_maintenance()[0] == 1  # "future" has now passed
    db.put_item(TableName=name, Item={**key("saved"), "exp": {"N": str(int(clock.now - 1))}})
    db.update_item(
        TableName=name,
        Key=key("saved"),
        UpdateExpression="SET exp = :later",
        ExpressionAttributeValues={":later": {"N": str(int(clock.now + 999))}},
    )
    assert db.run_maintenance()[0] == 0  # updating the attribute to the future saves the item


def test_ttl_disabled_table_is_left_alone(db: Any, clock: ManualClock) -> None:
    # Without TTL enabled (or after disabling it) nothing expires.
    name = create_table(db)
    db.put_item(TableName=name, Item={**key("a"), "exp": {"N": str(int(clock.now - 10))}})
    assert db.run_maintenance()[0] == 0
    db.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    db.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    assert db.run_maintenance()[0] == 0


def test_sweep_is_bounded_and_resumes(db: Any, clock: ManualClock) -> None:
    # Each sweep examines at most its budget and the next one continues where it stopped.
    name = create_table(db)
    db.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    for i in range(50):
        db.put_item(TableName=name, Item={**key(f"k{i}"), "exp": {"N": str(int(clock.now - 5))}})
    sweeper = db.engine.maintenance
    assert sweeper.sweep_ttl(budget=20) == 20
    assert sweeper.sweep_ttl(budget=20) == 20
    assert sweeper.sweep_ttl(budget=20) == 10
    assert db.scan(TableName=name)["Count"] == 0


def test_ttl_change_interval_setting(clock: ManualClock) -> None:
    # With DynamoDB's cooldown switched on, a second change within the interval is refused.
    with dynamo.connect(clock=clock, maintenance_interval=0, ttl_change_interval=3600) as client:
        name = create_table(client)
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
        )
        with raises("ValidationException", "TimeToLive is already enabled"):  # content checks come first
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
            )
        with raises(
            "ValidationException", "Time to live has been modified multiple times within a fixed interval"
        ):
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"}
            )
        clock.now += 3600
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"}
        )


def test_records_are_trimmed_after_24_hours(db: Any, clock: ManualClock) -> None:
    # Records older than 24 hours are trimmed; reading from before the trim is TrimmedDataAccess.
    name, arn = stream_table(db, "KEYS_ONLY")
    streams = db.streams()
    db.put_item(TableName=name, Item=key("old"))
    (old,) = read_all(streams, arn)
    clock.now += 12 * 3600
    db.put_item(TableName=name, Item=key("young"))
    clock.now += 12 * 3600 + 1
    _, trimmed, _ = db.run_maintenance()
    assert trimmed == 1
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, arn)] == [key("young")]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    with raises("TrimmedDataAccessException", "The data you are trying to access has been trimmed"):
        streams.get_shard_iterator(
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=old["dynamodb"]["SequenceNumber"],
        )


def test_iterators_expire_after_15_minutes(db: Any, clock: ManualClock) -> None:
    # An iterator older than 15 minutes is refused; the NextShardIterator of each answer is fresh.
    _, arn = stream_table(db, "KEYS_ONLY")
    streams = db.streams()
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    clock.now += 14 * 60
    fresh = streams.get_records(ShardIterator=it)["NextShardIterator"]
    clock.now += 2 * 60
    with raises("ExpiredIteratorException"):
        streams.get_records(ShardIterator=it)
    streams.get_records(ShardIterator=fresh)


def test_shards_roll_over_with_lineage(db: Any, clock: ManualClock) -> None:
    # Every 4 hours the open shard closes and a child shard (naming it as parent) takes new records.
    name, arn = stream_table(db, "KEYS_ONLY")
    streams = db.streams()
    db.put_item(TableName=name, Item=key("a"))
    clock.now += 4 * 3600
    db.put_item(TableName=name, Item=key("b"))
    clock.now += 4 * 3600
    db.run_maintenance()  # an idle stream rolls over too
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 3
    assert "ParentShardId" not in shards[0]
    assert (
        shards[1]["ParentShardId"] == shards[0]["ShardId"]
        and shards[2]["ParentShardId"] == shards[1]["ShardId"]
    )
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards[:2])
    assert "EndingSequenceNumber" not in shards[2]["SequenceNumberRange"]
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, arn)] == [key("a"), key("b")]
    first = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shards[0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    page = streams.get_records(ShardIterator=first["ShardIterator"])
    assert len(page["Records"]) == 1 and "NextShardIterator" not in page  # a closed shard read to its end
    children = streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": shards[0]["ShardId"]}
    )
    assert [s["ShardId"] for s in children["StreamDescription"]["Shards"]] == [shards[1]["ShardId"]]
    clock.now += 24 * 3600 + 1
    db.run_maintenance()
    remaining = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert shards[0]["ShardId"] not in {s["ShardId"] for s in remaining}  # closed more than 24 h ago


def test_disabled_stream_disappears_after_24_hours(db: Any, clock: ManualClock) -> None:
    # A disabled stream stays listed and readable for 24 hours, then is gone.
    name, arn = stream_table(db, "KEYS_ONLY")
    streams = db.streams()
    db.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    clock.now += DAY - 60
    db.run_maintenance()
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    clock.now += 120
    db.run_maintenance()
    with raises("ResourceNotFoundException"):
        streams.describe_stream(StreamArn=arn)
    assert arn not in {s["StreamArn"] for s in streams.list_streams()["Streams"]}


def test_at_timestamp_iterator(db: Any, clock: ManualClock) -> None:
    # AT_TIMESTAMP starts at the first record created at or after the timestamp; a future one is refused.
    name, arn = stream_table(db, "KEYS_ONLY")
    streams = db.streams()
    db.put_item(TableName=name, Item=key("a"))
    clock.now += 10
    middle = clock.now
    db.put_item(TableName=name, Item=key("b"))
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="AT_TIMESTAMP", Timestamp=middle
    )
    assert [
        r["dynamodb"]["Keys"] for r in streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    ] == [key("b")]
    with raises("ValidationException"):
        streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_TIMESTAMP", Timestamp=clock.now + 60
        )


def test_trigger_delivers_in_order_at_least_once(tmp_path: Any) -> None:
    # A trigger gets every record in order, in batches; a failing batch is delivered again.
    received: list[str] = []
    failures = [1]
    done = threading.Event()
    arn: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:  # written as for Lambda
        if failures[0]:
            failures[0] -= 1
            raise RuntimeError("flaky consumer")
        assert all(r["eventSourceARN"] == arn[0] for r in event["Records"])
        received.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])
        if len(received) >= 10:
            done.set()

    with dynamo.connect(str(tmp_path), maintenance_interval=0) as client:
        name, stream_arn = stream_table(client, "KEYS_ONLY")
        arn.append(stream_arn)
        client.add_trigger(name, handler, name="audit", batch_size=3)
        for i in range(10):
            client.put_item(TableName=name, Item=key(f"k{i}"))
        assert done.wait(10)
    assert received == [f"k{i}" for i in range(10)]


def test_trigger_resumes_after_restart(tmp_path: Any) -> None:
    # A trigger's position is saved in the data directory: the same name resumes after a restart.
    path = str(tmp_path)
    got: list[str] = []
    first_batch = threading.Event()

    def handler(event: dict[str, Any]) -> None:
        got.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])
        first_batch.set()

    with dynamo.connect(path, maintenance_interval=0) as client:
        name, _ = stream_table(client, "KEYS_ONLY")
        client.put_item(TableName=name, Item=key("before"))
        client.add_trigger(name, handler, name="resumable")
        assert first_batch.wait(10)
    assert got == ["before"]
    with dynamo.connect(path, maintenance_interval=0) as client:
        client.put_item(TableName=name, Item=key("offline"))  # written while no trigger runs
        later = threading.Event()
        again: list[str] = []

        def second(event: dict[str, Any]) -> None:
            again.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])
            later.set()

        client.add_trigger(name, second, name="resumable")
        assert later.wait(10)
    assert again == ["offline"]


def test_stream_arns_are_unique_within_a_millisecond(db: Any, clock: ManualClock) -> None:
    # Disabling and re-enabling (or re-creating the table) in one millisecond still gives a new ARN.
    name, first = stream_table(db, "KEYS_ONLY")
    db.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    db.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    second = db.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    db.delete_table(TableName=name)
    create_table(db, name=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    third = db.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert len({first, second, third}) == 3
    db.put_item(TableName=name, Item=key("a"))
    streams = db.streams()
    assert streams.describe_stream(StreamArn=third)["StreamDescription"]["StreamStatus"] == "ENABLED"
    assert [r["dynamodb"]["Keys"] for r in read_all(streams, third)] == [key("a")]


def test_trimming_catches_up_with_a_large_backlog(db: Any, clock: ManualClock) -> None:
    # Trimming works in bounded slices but keeps going until everything past 24 hours is gone.
    name, arn = stream_table(db, "KEYS_ONLY")
    for start in range(0, 12_000, 25):
        db.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": key(f"k{i}")}} for i in range(start, start + 25)]}
        )
    clock.now += DAY + 1
    assert db.run_maintenance()[1] == 12_000
    assert read_all(db.streams(), arn) == []


def test_trigger_name_reused_on_another_table_starts_afresh(tmp_path: Any) -> None:
    # Positions are per table: a name used before on another table does not inherit its records.
    got: list[tuple[str, str]] = []
    seen = threading.Event()

    def first(event: dict[str, Any]) -> None:
        got.extend(("first", r["dynamodb"]["Keys"]["pk"]["S"]) for r in event["Records"])
        seen.set()

    def second(event: dict[str, Any]) -> None:
        got.extend(("second", r["dynamodb"]["Keys"]["pk"]["S"]) for r in event["Records"])
        seen.set()

    with dynamo.connect(str(tmp_path), maintenance_interval=0) as client:
        one, _ = stream_table(client, "KEYS_ONLY")
        two, _ = stream_table(client, "KEYS_ONLY")
        client.put_item(TableName=one, Item=key("one-a"))
        client.add_trigger(one, first, name="audit")
        assert seen.wait(10)
        client.remove_trigger("audit")
        client.put_item(TableName=one, Item=key("one-b"))
        client.put_item(TableName=two, Item=key("two-a"))
        seen.clear()
        client.add_trigger(two, second, name="audit")
        assert seen.wait(10)
    assert got == [("first", "one-a"), ("second", "two-a")]


def test_data_directories_from_0_1_get_their_streams(tmp_path: Any) -> None:
    # A table that version 0.1 marked as streamed (without a change log) gets one when opened.
    from dynamo.engine import Engine, Settings

    engine = Engine(str(tmp_path), settings=Settings(maintenance_interval=0))
    client = dynamo.Client(engine)
    create_table(client, name="legacy")

    def forget_log(view: Any) -> None:
        table = view.table("us-east-1", "legacy")
        old_spec = {"enabled": True, "view_type": "KEYS_ONLY", "label": "2026-01-01T00:00:00.000"}
        view.save_table(table.with_meta(stream=old_spec))

    engine.store.write(forget_log)
    engine.close()
    with dynamo.connect(str(tmp_path), maintenance_interval=0) as client:
        client.put_item(TableName="legacy", Item=key("a"))
        arn = client.describe_table(TableName="legacy")["Table"]["LatestStreamArn"]
        assert [r["dynamodb"]["Keys"] for r in read_all(client.streams(), arn)] == [key("a")]
        client.delete_table(TableName="legacy")
