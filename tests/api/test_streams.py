"""DynamoDB Streams through boto3's dynamodbstreams client: records, images, iterators, errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import create_table, raises, unique

NEW_AND_OLD = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def stream_table(client: Any, view_type: str = "NEW_AND_OLD_IMAGES", **extra: Any) -> tuple[str, str]:
    """A new table with a stream; (table name, stream ARN)."""
    name = create_table(
        client, StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}, **extra
    )
    return name, client.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def shards(streams_client: Any, arn: str) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = streams_client.describe_stream(StreamArn=arn)["StreamDescription"][
        "Shards"
    ]
    return shards


def iterator(streams_client: Any, arn: str, kind: str = "TRIM_HORIZON", **extra: Any) -> str:
    shard = shards(streams_client, arn)[-1]["ShardId"]
    it: str = streams_client.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra
    )["ShardIterator"]
    return it


def records(streams_client: Any, arn: str) -> list[dict[str, Any]]:
    """Every record of the stream's open shard, oldest first."""
    return list(streams_client.get_records(ShardIterator=iterator(streams_client, arn))["Records"])


def events(streams_client: Any, arn: str) -> list[str]:
    return [r["eventName"] for r in records(streams_client, arn)]


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


@pytest.fixture(scope="module")
def streamed(client: Any) -> Any:
    name, arn = stream_table(client)
    yield name, arn
    client.delete_table(TableName=name)


def test_create_table_with_stream(client: Any, streams_client: Any) -> None:
    # CreateTable with a stream reports it in DescribeTable; DescribeStream shows one open shard.
    name, arn = stream_table(client, "NEW_IMAGE")
    table = client.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert arn == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"
    description = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_IMAGE"
    assert description["TableName"] == name
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    (shard,) = description["Shards"]
    assert shard["ShardId"].startswith("shardId-") and "ParentShardId" not in shard
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}
    listed = streams_client.list_streams(TableName=name)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": name, "StreamLabel": table["LatestStreamLabel"]}]
    client.delete_table(TableName=name)


def test_insert_modify_remove_with_images(client: Any, streams_client: Any) -> None:
    # Put, overwrite, update and delete give INSERT, MODIFY, MODIFY, REMOVE with whole-item images.
    name, arn = stream_table(client)
    client.put_item(TableName=name, Item={**key("a"), "v": {"N": "1"}})
    client.put_item(TableName=name, Item={**key("a"), "v": {"N": "2"}})
    client.update_item(
        TableName=name,
        Key=key("a"),
        UpdateExpression="SET w = :w",
        ExpressionAttributeValues={":w": {"S": "x"}},
    )
    client.delete_item(TableName=name, Key=key("a"))
    found = records(streams_client, arn)
    assert [r["eventName"] for r in found] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"]
    insert, modify, update, remove = (r["dynamodb"] for r in found)
    assert (
        insert["Keys"] == key("a")
        and insert["NewImage"] == {**key("a"), "v": {"N": "1"}}
        and "OldImage" not in insert
    )
    assert modify["OldImage"] == {**key("a"), "v": {"N": "1"}} and modify["NewImage"] == {
        **key("a"),
        "v": {"N": "2"},
    }
    assert update["NewImage"] == {**key("a"), "v": {"N": "2"}, "w": {"S": "x"}}
    assert remove["OldImage"] == update["NewImage"] and "NewImage" not in remove
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in found]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    first = found[0]
    assert first["eventSource"] == "aws:dynamodb" and first["eventVersion"] == "1.1"
    assert first["awsRegion"] == "us-east-1" and len(first["eventID"]) == 32 and "userIdentity" not in first
    assert insert["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    # SizeBytes: the sizes of Keys and of the images the record carries.
    assert insert["SizeBytes"] == 3 + 6 and modify["SizeBytes"] == 3 + 6 + 6  # pk "a": 3; v 1: 3
    client.delete_table(TableName=name)


@pytest.mark.parametrize(
    "view_type, images",
    [
        ("KEYS_ONLY", set()),
        ("NEW_IMAGE", {"NewImage"}),
        ("OLD_IMAGE", {"OldImage"}),
        ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"}),
    ],
)
def test_view_types(client: Any, streams_client: Any, view_type: str, images: set[str]) -> None:
    # Each view type carries only its images (a MODIFY has both kinds to choose from).
    name, arn = stream_table(client, view_type)
    client.put_item(TableName=name, Item={**key("a"), "v": {"N": "1"}})
    client.put_item(TableName=name, Item={**key("a"), "v": {"N": "2"}})
    modify = records(streams_client, arn)[1]["dynamodb"]
    assert (
        set(modify) - {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes", "StreamViewType"}
        == images
    )
    client.delete_table(TableName=name)


def test_writes_that_change_nothing_leave_no_record(client: Any, streams_client: Any) -> None:
    # No record for an identical put, a no-op update, deleting a missing item, a failed condition, a ConditionCheck.
    name, arn = stream_table(client)
    client.put_item(TableName=name, Item={**key("a"), "s": {"SS": ["x", "y"]}})
    client.put_item(TableName=name, Item={**key("a"), "s": {"SS": ["y", "x"]}})
    client.update_item(TableName=name, Key=key("a"), UpdateExpression="REMOVE missing_attr")
    client.update_item(TableName=name, Key=key("b"), UpdateExpression="REMOVE missing_attr")
    client.delete_item(TableName=name, Key=key("nope"))
    with raises("ConditionalCheckFailedException"):
        client.put_item(TableName=name, Item=key("a"), ConditionExpression="attribute_not_exists(pk)")
    client.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": name,
                    "Key": key("a"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        ]
    )
    assert events(streams_client, arn) == ["INSERT"]
    client.delete_table(TableName=name)


def test_update_without_expression_creates_key_only_item(client: Any, streams_client: Any) -> None:
    # UpdateItem with no update on a missing item creates it: an INSERT of just the key.
    name, arn = stream_table(client)
    client.update_item(TableName=name, Key=key("a"))
    (record,) = records(streams_client, arn)
    assert record["eventName"] == "INSERT" and record["dynamodb"]["NewImage"] == key("a")
    client.delete_table(TableName=name)


def test_batch_and_transaction_writes_are_recorded(client: Any, streams_client: Any) -> None:
    # Each item of a batch or a transaction gets its own record, in request order.
    name, arn = stream_table(client, "KEYS_ONLY")
    client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": key(k)}} for k in "abc"]})
    client.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": name, "Key": key("a")}},
            {
                "Update": {
                    "TableName": name,
                    "Key": key("b"),
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "1"}},
                }
            },
            {"Put": {"TableName": name, "Item": key("d")}},
        ]
    )
    found = records(streams_client, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in found] == [
        ("INSERT", "a"),
        ("INSERT", "b"),
        ("INSERT", "c"),
        ("REMOVE", "a"),
        ("MODIFY", "b"),
        ("INSERT", "d"),
    ]
    client.delete_table(TableName=name)


def test_iterator_types(client: Any, streams_client: Any, streamed: Any) -> None:
    # AT/AFTER_SEQUENCE_NUMBER start at or after a record; LATEST sees only later writes.
    name, arn = streamed
    first = unique()
    client.put_item(TableName=name, Item=key(first))
    latest = iterator(streams_client, arn, "LATEST")
    client.put_item(TableName=name, Item=key(unique()))
    found = records(streams_client, arn)
    seq = next(r["dynamodb"]["SequenceNumber"] for r in found if r["dynamodb"]["Keys"] == key(first))
    at = streams_client.get_records(
        ShardIterator=iterator(streams_client, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=seq)
    )
    assert at["Records"][0]["dynamodb"]["SequenceNumber"] == seq
    after = streams_client.get_records(
        ShardIterator=iterator(streams_client, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=seq)
    )
    assert (
        after["Records"][0]["dynamodb"]["SequenceNumber"] != seq
        and len(after["Records"]) == len(at["Records"]) - 1
    )
    later = streams_client.get_records(ShardIterator=latest)["Records"]
    assert len(later) == 1 and later[0]["dynamodb"]["Keys"] != key(first)


def test_get_records_paging_and_reuse(client: Any, streams_client: Any) -> None:
    # Limit caps a page; NextShardIterator continues; an open shard always has a next iterator; iterators can be reused.
    name, arn = stream_table(client, "KEYS_ONLY")
    for k in "abcde":
        client.put_item(TableName=name, Item=key(k))
    start = iterator(streams_client, arn)
    page = streams_client.get_records(ShardIterator=start, Limit=2)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["a", "b"]
    rest = streams_client.get_records(ShardIterator=page["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in rest["Records"]] == ["c", "d", "e"]
    empty = streams_client.get_records(ShardIterator=rest["NextShardIterator"])
    assert empty["Records"] == [] and "NextShardIterator" in empty
    again = streams_client.get_records(ShardIterator=start, Limit=2)
    assert again["Records"] == page["Records"]
    client.delete_table(TableName=name)


def test_disable_and_reenable(client: Any, streams_client: Any) -> None:
    # Disabling closes the stream (DISABLED, shards closed, readable to the end); re-enabling makes a new stream.
    name, arn = stream_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item=key("a"))
    response = client.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in response["TableDescription"]
    table = client.describe_table(TableName=name)["Table"]
    assert "StreamSpecification" not in table and table["LatestStreamArn"] == arn
    description = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in description["Shards"])
    drained = streams_client.get_records(ShardIterator=iterator(streams_client, arn))
    assert len(drained["Records"]) == 1 and "NextShardIterator" not in drained
    client.put_item(TableName=name, Item=key("b"))  # not recorded anywhere
    client.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )
    new_arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert new_arn != arn
    client.put_item(TableName=name, Item=key("c"))
    assert [r["dynamodb"]["Keys"] for r in records(streams_client, new_arn)] == [key("c")]
    listed = {s["StreamArn"] for s in streams_client.list_streams(TableName=name)["Streams"]}
    assert listed == {arn, new_arn}
    client.delete_table(TableName=name)


def test_update_table_stream_errors(client: Any, streamed: Any) -> None:
    # UpdateTable's stream rules and messages.
    name, _ = streamed
    with raises("ValidationException", f"Table already has an enabled stream: TableName: {name}"):
        client.update_table(
            TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
        )
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required",
    ):
        client.update_table(TableName=name, StreamSpecification={"StreamEnabled": True})
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified",
    ):
        client.update_table(
            TableName=name, StreamSpecification={"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}
        )
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: You cannot modify stream status while updating table IOPS",
    ):
        client.update_table(
            TableName=name,
            StreamSpecification={"StreamEnabled": False},
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
    plain = create_table(client)
    with raises("ValidationException", f"Table has no stream to disable: TableName: {plain}"):
        client.update_table(TableName=plain, StreamSpecification={"StreamEnabled": False})
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'Fisk' at 'streamSpecification.streamViewType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]",
    ):
        client.update_table(
            TableName=plain, StreamSpecification={"StreamEnabled": True, "StreamViewType": "Fisk"}
        )
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request",
    ):
        client.update_table(
            TableName=plain,
            DeletionProtectionEnabled=True,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
    client.delete_table(TableName=plain)


def test_stream_outlives_its_table(client: Any, streams_client: Any) -> None:
    # After DeleteTable the stream is DISABLED but still listed, describable and readable.
    name, arn = stream_table(client, "KEYS_ONLY")
    client.put_item(TableName=name, Item=key("a"))
    client.delete_table(TableName=name)
    assert streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert arn in {s["StreamArn"] for s in streams_client.list_streams()["Streams"]}
    assert [r["eventName"] for r in records(streams_client, arn)] == ["INSERT"]


def test_stream_errors(client: Any, streams_client: Any, streamed: Any) -> None:
    # Malformed and unknown ARNs, shards, iterators and limits get DynamoDB Streams' errors.
    name, arn = streamed
    with raises("ValidationException", "Invalid StreamArn"):
        streams_client.describe_stream(StreamArn="x" * 40)
    unknown = arn.replace(f"table/{name}/", "table/no-such-table/")
    with raises("ResourceNotFoundException", f"Requested resource not found: Stream: {unknown} not found"):
        streams_client.describe_stream(StreamArn=unknown)
    with raises("ResourceNotFoundException"):
        streams_client.get_shard_iterator(
            StreamArn=arn, ShardId="shardId-" + "0" * 20 + "-deadbeef", ShardIteratorType="LATEST"
        )
    shard = shards(streams_client, arn)[0]["ShardId"]
    with raises("ValidationException"):
        streams_client.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    with raises("ValidationException"):
        streams_client.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST", SequenceNumber="1" * 21
        )
    with raises("ValidationException"):
        streams_client.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="x" * 21
        )
    with raises("ValidationException", "Invalid ShardIterator"):
        streams_client.get_records(ShardIterator="sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg")
    with raises("ValidationException", startswith="1 validation error detected: Value '1001' at 'limit'"):
        streams_client.get_records(ShardIterator=iterator(streams_client, arn), Limit=1001)
    with raises("ValidationException", startswith="1 validation error detected: Value '0' at 'limit'"):
        streams_client.list_streams(Limit=0)
    with raises("ValidationException", startswith="1 validation error detected: Value '101' at 'limit'"):
        streams_client.list_streams(Limit=101)


def test_list_streams_paging(client: Any, streams_client: Any) -> None:
    # Limit pages ListStreams; LastEvaluatedStreamArn continues it; each stream appears once.
    tables = [stream_table(client, "KEYS_ONLY") for _ in range(3)]
    seen: list[str] = []
    kwargs: dict[str, Any] = {"Limit": 1}
    while True:
        page = streams_client.list_streams(**kwargs)
        seen += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        kwargs["ExclusiveStartStreamArn"] = page["LastEvaluatedStreamArn"]
    assert len(seen) == len(set(seen)) and {arn for _, arn in tables} <= set(seen)
    for name, _ in tables:
        client.delete_table(TableName=name)
