"""Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups, RestoreTableToPointInTime."""

from __future__ import annotations

from typing import Any

from tests.helpers import create_table, raises, unique, wait_active


def enable(client: Any, name: str, **extra: Any) -> dict[str, Any]:
    spec = {"PointInTimeRecoveryEnabled": True, **extra}
    result: dict[str, Any] = client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification=spec
    )
    return result["ContinuousBackupsDescription"]


def test_enable_describe_disable(client: Any) -> None:
    # PITR starts DISABLED; enabling gives a 35-day window starting now; disabling drops the window.
    name = create_table(client)
    assert client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"] == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    description = enable(client, name)["PointInTimeRecoveryDescription"]
    assert description["PointInTimeRecoveryStatus"] == "ENABLED" and description["RecoveryPeriodInDays"] == 35
    assert description["EarliestRestorableDateTime"] <= description["LatestRestorableDateTime"]
    assert (
        enable(client, name, RecoveryPeriodInDays=7)["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"]
        == 7
    )
    disabled = client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )["ContinuousBackupsDescription"]
    assert disabled["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
    client.delete_table(TableName=name)


def test_continuous_backup_errors(client: Any) -> None:
    # Missing tables are TableNotFoundException; the period is 1..35 and not given when disabling.
    missing = unique("missing")
    with raises("TableNotFoundException", f"Table not found: {missing}"):
        client.describe_continuous_backups(TableName=missing)
    with raises("TableNotFoundException", f"Table not found: {missing}"):
        enable(client, missing)
    name = create_table(client)
    with raises(
        "ValidationException",
        "1 validation error detected: Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' "
        "failed to satisfy constraint: Member must have value less than or equal to 35",
    ):
        enable(client, name, RecoveryPeriodInDays=36)
    with raises(
        "ValidationException",
        "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.",
    ):
        client.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": False,
                "RecoveryPeriodInDays": 35,
            },
        )
    with raises(
        "ValidationException",
        "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to satisfy "
        "constraint: Member must not be null",
    ):
        client.update_continuous_backups(TableName=name)
    client.delete_table(TableName=name)


def test_restore_latest(client: Any) -> None:
    # Restoring at the latest restorable time copies the table as it is, into a new table.
    name = create_table(client)
    enable(client, name)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    target = unique("latest")
    response = client.restore_table_to_point_in_time(
        SourceTableName=name, TargetTableName=target, UseLatestRestorableTime=True
    )["TableDescription"]
    assert response["TableStatus"] == "CREATING"
    assert set(response["RestoreSummary"]) == {"SourceTableArn", "RestoreDateTime", "RestoreInProgress"}
    wait_active(client, target)
    assert client.get_item(TableName=target, Key={"pk": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    for table in (name, target):
        client.delete_table(TableName=table)


def test_restore_errors_in_order(client: Any) -> None:
    # Source, PITR, window and target are checked in DynamoDB's order, with its messages.
    name = create_table(client)
    with raises("ValidationException", "Must provide exactly one of: sourceTableArn, sourceTableName"):
        client.restore_table_to_point_in_time(
            SourceTableName=name,
            SourceTableArn=f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}",
            TargetTableName="x-target",
            UseLatestRestorableTime=True,
        )
    with raises(
        "ValidationException",
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both",
    ):
        client.restore_table_to_point_in_time(SourceTableName=name, TargetTableName="x-target")
    with raises("TableNotFoundException", f"Table not found: nope-{name}"):
        client.restore_table_to_point_in_time(
            SourceTableName=f"nope-{name}", TargetTableName="x-target", UseLatestRestorableTime=True
        )
    with raises(
        "PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{name}'"
    ):
        client.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName=name, UseLatestRestorableTime=True
        )
    enable(client, name)
    with raises(
        "InvalidRestoreTimeException",
        startswith="RestoreDateTime '1970-01-01T00:00:00Z' must be within EarliestRestorableDateTime '",
    ):
        client.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName="x-target", RestoreDateTime=0
        )
    with raises("TableAlreadyExistsException", f"Table already exists: {name}"):
        client.restore_table_to_point_in_time(
            SourceTableName=name, TargetTableName=name, UseLatestRestorableTime=True
        )
    client.delete_table(TableName=name)


def test_deleting_a_pitr_table_leaves_a_system_backup(client: Any) -> None:
    # Deleting a table with PITR on leaves a SYSTEM backup "<table>$DeletedTableBackup" that restores it.
    name = create_table(client)
    enable(client, name)
    client.put_item(TableName=name, Item={"pk": {"S": "last"}})
    client.delete_table(TableName=name)
    (system,) = [b for b in client.list_backups(TableName=name, BackupType="SYSTEM")["BackupSummaries"]]
    assert system["BackupName"] == f"{name}$DeletedTableBackup" and system["BackupType"] == "SYSTEM"
    assert system["BackupArn"].endswith("-00000000") and "BackupExpiryDateTime" in system
    assert name not in {b["TableName"] for b in client.list_backups()["BackupSummaries"]}  # USER by default
    with raises(
        "ValidationException",
        startswith=f"User is not allowed to delete the system backup with arn {system['BackupArn']}",
    ):
        client.delete_backup(BackupArn=system["BackupArn"])
    target = unique("undeleted")
    client.restore_table_from_backup(BackupArn=system["BackupArn"], TargetTableName=target)
    wait_active(client, target)
    assert client.get_item(TableName=target, Key={"pk": {"S": "last"}})["Item"] == {"pk": {"S": "last"}}
    client.delete_table(TableName=target)
