"""A restarted server keeps its streams: records, shards and ARNs survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import boto_client, running_server


@pytest.mark.slow
def test_stream_records_survive_restart(tmp_path: Path) -> None:
    # Records written before a restart are read after it, through the same stream ARN and shard.
    data = str(tmp_path / "data")
    with running_server("--data-dir", data) as (url, _):
        client = boto_client(url)
        client.create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        for i in range(5):
            client.put_item(TableName="kept", Item={"pk": {"S": f"k{i}"}})
        arn = client.describe_table(TableName="kept")["Table"]["LatestStreamArn"]
    with running_server("--data-dir", data) as (url, _):
        client = boto_client(url)
        client.put_item(TableName="kept", Item={"pk": {"S": "after"}})
        streams = boto_client(url, service="dynamodbstreams")
        (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        it = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        found = streams.get_records(ShardIterator=it["ShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in found] == [f"k{i}" for i in range(5)] + ["after"]
