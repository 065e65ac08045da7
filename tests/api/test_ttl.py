"""UpdateTimeToLive and DescribeTimeToLive: statuses, validation and messages."""

from __future__ import annotations

from typing import Any

from tests.helpers import create_table, raises, unique


def spec(enabled: bool, attribute: str = "expires") -> dict[str, Any]:
    return {"Enabled": enabled, "AttributeName": attribute}


def test_enable_describe_disable(client: Any) -> None:
    # A new table's TTL is DISABLED; enabling reports ENABLED at once; disabling drops the attribute name.
    name = create_table(client)
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    response = client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    assert response["TimeToLiveSpecification"] == spec(True)
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires",
    }
    assert "TimeToLiveDescription" not in client.describe_table(TableName=name)["Table"]
    client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(False))
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    client.delete_table(TableName=name)


def test_state_errors(client: Any) -> None:
    # Enabling twice, another attribute, disabling twice: DynamoDB's messages, content checks first.
    name = create_table(client)
    with raises("ValidationException", "TimeToLive is already disabled"):
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(False))
    client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    with raises("ValidationException", "TimeToLive is already enabled"):
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True))
    different = "TimeToLive is active on a different AttributeName: current AttributeName is expires"
    with raises("ValidationException", different):
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(True, "other_attr"))
    with raises("ValidationException", different):
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec(False, "other_attr"))
    client.delete_table(TableName=name)


def test_missing_table(client: Any) -> None:
    # Both operations answer ResourceNotFound naming the table.
    missing = unique("missing")
    with raises("ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found"):
        client.describe_time_to_live(TableName=missing)
    with raises("ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found"):
        client.update_time_to_live(TableName=missing, TimeToLiveSpecification=spec(True))


def test_specification_constraints(client: Any, table: str) -> None:
    # The specification and both its members are required; the attribute name is 1..255 characters.
    with raises(
        "ValidationException",
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: "
        "Member must not be null",
    ):
        client.update_time_to_live(TableName=table)
    with raises(
        "ValidationException",
        "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy "
        "constraint: Member must not be null",
    ):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True})
    with raises(
        "ValidationException",
        "1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
    ):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec(True, ""))
    with raises("ValidationException", startswith="1 validation error detected: Value '"):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec(True, "a" * 256))
    with raises("SerializationException"):
        client.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": "dog", "AttributeName": "x"}
        )
