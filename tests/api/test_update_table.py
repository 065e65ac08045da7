"""UpdateTable: GSI creation with backfill and deletion, billing and throughput changes."""

from __future__ import annotations

from typing import Any

import dynamo
from tests.helpers import create_gsi_table, create_table, raises

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731
OOMPVWI = "One or more parameter values were invalid: "


def gsi_create(name: str, key: str, key_type: str = "S", **extra: Any) -> dict[str, Any]:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            **extra,
        }
    }


def test_create_gsi_backfills(client: Any) -> None:
    # A new GSI holds the existing items that have its key; items with a wrong-typed key are skipped.
    name = create_table(client)
    client.put_item(TableName=name, Item={"pk": S("a"), "g": S("x")})
    client.put_item(TableName=name, Item={"pk": S("b"), "g": S("x")})
    client.put_item(TableName=name, Item={"pk": S("c"), "g": N(1)})  # wrong type: not indexed
    client.put_item(TableName=name, Item={"pk": S("d")})  # no key: not indexed
    response = client.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[gsi_create("by-g", "g")],
    )["TableDescription"]
    assert response["TableStatus"] == "UPDATING"
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    table = client.describe_table(TableName=name)["Table"]
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexStatus"] == "ACTIVE" and gsi["ItemCount"] == 2
    assert {"AttributeName": "g", "AttributeType": "S"} in table["AttributeDefinitions"]
    items = client.query(
        TableName=name,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": S("x")},
    )["Items"]
    assert sorted(i["pk"]["S"] for i in items) == ["a", "b"]
    # Later writes are checked against the new index's key type.
    with raises(
        "ValidationException", OOMPVWI + "Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"
    ):
        client.put_item(TableName=name, Item={"pk": S("e"), "g": N(2)})
    client.delete_table(TableName=name)


def test_delete_gsi(client: Any) -> None:
    # A deleted GSI disappears, and its key attribute may then hold any type.
    name = create_gsi_table(client, index="by-g")
    client.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    table = client.describe_table(TableName=name)["Table"]
    assert "GlobalSecondaryIndexes" not in table
    client.put_item(TableName=name, Item={"pk": S("a"), "g": N(1)})
    with raises("ValidationException", "The table does not have the specified index: by-g"):
        client.query(
            TableName=name,
            IndexName="by-g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": S("x")},
        )
    client.delete_table(TableName=name)


def test_index_update_errors(client: Any, table: str) -> None:
    # Unknown indexes, repeated or several online changes, and empty updates are refused.
    with raises("ResourceNotFoundException", f"Requested resource not found: Index nope for table {table}"):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}])
    with raises(
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
    ):
        client.update_table(
            TableName=table,
            AttributeDefinitions=[
                {"AttributeName": "a", "AttributeType": "S"},
                {"AttributeName": "b", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexUpdates=[gsi_create("idx-a", "a"), gsi_create("idx-b", "b")],
        )
    with raises(
        "ValidationException",
        OOMPVWI
        + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
    ):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{}])
    with raises(
        "ValidationException",
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
        "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
        "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required",
    ):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[])
    with raises(
        "ValidationException",
        OOMPVWI
        + "Some index key attributes are not defined in AttributeDefinitions. Keys: [zz], AttributeDefinitions: []",
    ):
        client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[gsi_create("by-zz", "zz")])


def test_billing_and_throughput(client: Any) -> None:
    # Switching billing modes and changing throughput, with DynamoDB's checks.
    name = create_table(client)
    with raises(
        "ValidationException",
        OOMPVWI + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
    ):
        client.update_table(TableName=name, BillingMode="PROVISIONED")
    client.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    table = client.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    with raises(
        "ValidationException",
        "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
    ):
        client.update_table(
            TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    client.update_table(
        TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 5}
    )
    throughput = client.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert throughput["NumberOfDecreasesToday"] == 1 and "LastDecreaseDateTime" in throughput
    client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = client.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    client.delete_table(TableName=name)


def test_deletion_protection_toggle(client: Any) -> None:
    # DeletionProtectionEnabled can be switched on and off.
    name = create_table(client)
    client.update_table(TableName=name, DeletionProtectionEnabled=True)
    with raises("ValidationException"):
        client.delete_table(TableName=name)
    client.update_table(TableName=name, DeletionProtectionEnabled=False)
    client.delete_table(TableName=name)


def test_index_creation_delay() -> None:
    # With an index creation delay, a new GSI is CREATING with Backfilling, and not queryable, until it passes.
    now = [1_800_000_000.0]
    with dynamo.connect(clock=lambda: now[0], index_create_delay=30) as client:
        client.create_table(
            TableName="slow",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        client.update_table(
            TableName="slow",
            AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[gsi_create("by-g", "g")],
        )
        (gsi,) = client.describe_table(TableName="slow")["Table"]["GlobalSecondaryIndexes"]
        assert gsi["IndexStatus"] == "CREATING" and gsi["Backfilling"] is True
        with raises("ValidationException", "The table does not have the specified index: by-g"):
            client.query(
                TableName="slow",
                IndexName="by-g",
                KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": S("x")},
            )
        now[0] += 30
        (gsi,) = client.describe_table(TableName="slow")["Table"]["GlobalSecondaryIndexes"]
        assert gsi["IndexStatus"] == "ACTIVE" and "Backfilling" not in gsi
