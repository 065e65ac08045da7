"""On-demand backups: CreateBackup, DescribeBackup, ListBackups, DeleteBackup, RestoreTableFromBackup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.helpers import create_table, raises, unique, wait_active


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def items_of(client: Any, name: str) -> list[str]:
    return sorted(i["pk"]["S"] for i in client.scan(TableName=name, ConsistentRead=True)["Items"])


@pytest.fixture(scope="module")
def source(client: Any) -> Any:
    """A table with a GSI and an LSI, three items, and a backup of it."""
    name = create_table(
        client,
        range_key=("sk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-g-local",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "g", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    for i in range(3):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "sk": {"S": "s"}, "g": {"S": "x"}})
    backup = client.create_backup(TableName=name, BackupName="nightly")["BackupDetails"]
    yield name, backup
    client.delete_table(TableName=name)


def test_create_backup_response(client: Any, source: Any) -> None:
    # CreateBackup answers CREATING with a backup ARN under the table's ARN; DescribeBackup then says AVAILABLE.
    name, backup = source
    table_arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert backup["BackupArn"].startswith(f"{table_arn}/backup/")
    assert (
        backup["BackupStatus"] == "CREATING"
        and backup["BackupType"] == "USER"
        and backup["BackupName"] == "nightly"
    )
    described = client.describe_backup(BackupArn=backup["BackupArn"])["BackupDescription"]
    assert described["BackupDetails"]["BackupStatus"] == "AVAILABLE"
    details = described["SourceTableDetails"]
    assert (
        details["TableName"] == name
        and details["ItemCount"] == 3
        and details["BillingMode"] == "PAY_PER_REQUEST"
    )
    assert details["ProvisionedThroughput"] == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    features = described["SourceTableFeatureDetails"]
    assert [ix["IndexName"] for ix in features["GlobalSecondaryIndexes"]] == ["by-g"]
    assert [ix["IndexName"] for ix in features["LocalSecondaryIndexes"]] == ["by-g-local"]


def test_restore_from_backup(client: Any, source: Any) -> None:
    # A restore creates a new table (CREATING, with a RestoreSummary) holding the backup's items and indexes.
    name, backup = source
    client.put_item(TableName=name, Item={"pk": {"S": "after"}, "sk": {"S": "s"}})  # not in the backup
    target = unique("restored")
    response = client.restore_table_from_backup(BackupArn=backup["BackupArn"], TargetTableName=target)[
        "TableDescription"
    ]
    assert response["TableStatus"] == "CREATING" and response["TableName"] == target
    summary = response["RestoreSummary"]
    assert summary["SourceBackupArn"] == backup["BackupArn"] and summary["RestoreInProgress"] is True
    assert summary["SourceTableArn"].endswith(f"table/{name}")
    table = wait_active(client, target)
    assert "RestoreSummary" not in table
    assert items_of(client, target) == ["k0", "k1", "k2"]
    found = client.query(
        TableName=target,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
    )
    assert found["Count"] == 3
    local = client.query(
        TableName=target,
        IndexName="by-g-local",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "k1"}},
    )
    assert local["Count"] == 1
    client.delete_table(TableName=target)


def test_restore_with_index_overrides(client: Any, source: Any) -> None:
    # [] drops indexes; an override matching a source index by keys and projection may rename it.
    _, backup = source
    target = unique("renamed")
    client.restore_table_from_backup(
        BackupArn=backup["BackupArn"],
        TargetTableName=target,
        LocalSecondaryIndexOverride=[],
        GlobalSecondaryIndexOverride=[
            {
                "IndexName": "new-name",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    table = wait_active(client, target)
    assert [ix["IndexName"] for ix in table["GlobalSecondaryIndexes"]] == ["new-name"]
    assert "LocalSecondaryIndexes" not in table
    assert (
        client.query(
            TableName=target,
            IndexName="new-name",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "x"}},
        )["Count"]
        == 3
    )
    client.delete_table(TableName=target)


def test_restore_override_errors(client: Any, source: Any) -> None:
    # Overrides that do not fit the source or the billing mode are refused, and nothing is created.
    _, backup = source
    arn, target = backup["BackupArn"], unique("bad")
    with raises(
        "ValidationException",
        "Index other does not match a secondary index that existed in the source table and cannot be created during the restore operation",
    ):
        client.restore_table_from_backup(
            BackupArn=arn,
            TargetTableName=target,
            GlobalSecondaryIndexOverride=[
                {
                    "IndexName": "other",
                    "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    with raises(
        "ValidationException", "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED"
    ):
        client.restore_table_from_backup(
            BackupArn=arn,
            TargetTableName=target,
            ProvisionedThroughputOverride={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
    with raises(
        "ValidationException",
        "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED",
    ):
        client.restore_table_from_backup(
            BackupArn=arn, TargetTableName=target, BillingModeOverride="PROVISIONED"
        )
    with raises("ResourceNotFoundException"):
        client.describe_table(TableName=target)


def test_restore_target_must_be_free(client: Any, source: Any) -> None:
    # Restoring over an existing table is TableAlreadyExistsException.
    name, backup = source
    with raises("TableAlreadyExistsException", f"Table already exists: {name}"):
        client.restore_table_from_backup(BackupArn=backup["BackupArn"], TargetTableName=name)


def test_list_backups(client: Any, source: Any) -> None:
    # ListBackups filters by table and time range (lower inclusive, upper exclusive) and pages in creation order.
    name, backup = source
    second = client.create_backup(TableName=name, BackupName="second")["BackupDetails"]
    listed = client.list_backups(TableName=name)["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [backup["BackupArn"], second["BackupArn"]]
    entry = listed[0]
    assert (
        entry["TableName"] == name and entry["BackupStatus"] == "AVAILABLE" and entry["BackupType"] == "USER"
    )
    created = second["BackupCreationDateTime"]
    assert [
        b["BackupArn"]
        for b in client.list_backups(TableName=name, TimeRangeLowerBound=created)["BackupSummaries"]
    ] == [second["BackupArn"]]
    assert [
        b["BackupArn"]
        for b in client.list_backups(TableName=name, TimeRangeUpperBound=created)["BackupSummaries"]
    ] == [backup["BackupArn"]]
    page = client.list_backups(TableName=name, Limit=1)
    assert page["LastEvaluatedBackupArn"] == backup["BackupArn"]
    rest = client.list_backups(
        TableName=name, Limit=1, ExclusiveStartBackupArn=page["LastEvaluatedBackupArn"]
    )
    assert [b["BackupArn"] for b in rest["BackupSummaries"]] == [
        second["BackupArn"]
    ] and "LastEvaluatedBackupArn" not in rest
    assert client.list_backups(TableName=unique("nothing"))["BackupSummaries"] == []
    with raises("ValidationException", "Time range lower bound must be less than or equal to upper bound"):
        client.list_backups(TimeRangeLowerBound=created, TimeRangeUpperBound=created - timedelta(seconds=10))
    client.delete_backup(BackupArn=second["BackupArn"])


def test_delete_backup(client: Any, source: Any) -> None:
    # DeleteBackup answers the description with DELETED; the backup is then gone everywhere.
    name, _ = source
    arn = client.create_backup(TableName=name, BackupName="short-lived")["BackupDetails"]["BackupArn"]
    deleted = client.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    with raises("BackupNotFoundException", f"Backup not found: {arn}"):
        client.describe_backup(BackupArn=arn)
    with raises("BackupNotFoundException"):
        client.delete_backup(BackupArn=arn)
    assert arn not in {b["BackupArn"] for b in client.list_backups(TableName=name)["BackupSummaries"]}


def test_backup_errors(client: Any, source: Any) -> None:
    # Missing tables, malformed ARNs and bad names get the backup API's own errors.
    name, backup = source
    missing = unique("missing")
    with raises("TableNotFoundException", f"Table not found: {missing}"):
        client.create_backup(TableName=missing, BackupName="x-backup")
    with raises("ValidationException", "Invalid Backup ARN"):
        client.describe_backup(BackupArn=client.describe_table(TableName=name)["Table"]["TableArn"])
    with raises(
        "ValidationException",
        "2 validation errors detected: Value '' at 'backupName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at 'backupName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3",
    ):
        client.create_backup(TableName=name, BackupName="")
    unknown = backup["BackupArn"][:-8] + "00000001"
    with raises("BackupNotFoundException", f"Backup not found: {unknown}"):
        client.describe_backup(BackupArn=unknown)


def test_backup_outlives_its_table(client: Any) -> None:
    # A backup survives its table's deletion and restores it.
    name = create_table(client)
    client.put_item(TableName=name, Item=key("kept"))
    arn = client.create_backup(TableName=name, BackupName="before-drop")["BackupDetails"]["BackupArn"]
    client.delete_table(TableName=name)
    target = unique("revived")
    client.restore_table_from_backup(BackupArn=arn, TargetTableName=target)
    wait_active(client, target)
    assert items_of(client, target) == ["kept"]
    client.delete_table(TableName=target)
    client.delete_backup(BackupArn=arn)
