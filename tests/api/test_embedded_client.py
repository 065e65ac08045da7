"""What makes the embedded client a drop-in for boto3's client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

import dynamo


def test_parameter_validation_like_boto3() -> None:
    # By default the embedded client refuses malformed parameters client-side, as boto3 does.
    with dynamo.connect() as client:
        with pytest.raises(ParamValidationError):
            client.get_item(TableName="t")  # Key missing
        with pytest.raises(ParamValidationError):
            client.put_item(TableName="t", Item={"a": {"N": 5}})  # N must be a string


def test_exceptions_are_boto3_classes(client: Any) -> None:
    # Errors are ClientError subclasses reachable as client.exceptions.X, with boto3's response shape.
    with pytest.raises(client.exceptions.ResourceNotFoundException) as info:
        client.get_item(TableName="nope-" + "x" * 8, Key={"pk": {"S": "a"}})
    error = info.value
    assert isinstance(error, ClientError)
    assert error.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Requested resource not found",
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.operation_name == "GetItem"


def test_response_metadata(client: Any) -> None:
    # Responses carry ResponseMetadata with a 52-character request id, as boto3's do.
    metadata = client.list_tables()["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200 and len(metadata["RequestId"]) == 52


def test_context_manager_and_temporary_store() -> None:
    # connect() without a path uses a private temporary store removed on close.
    import os

    client = dynamo.connect()
    path = client.engine.path
    with client:
        assert client.list_tables()["TableNames"] == []
    assert not os.path.exists(path)


def test_persistent_store(tmp_path: Any) -> None:
    # connect(path) keeps data across connections.
    with dynamo.connect(str(tmp_path)) as client:
        client.create_table(
            TableName="keep",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="keep", Item={"pk": {"S": "a"}})
    with dynamo.connect(str(tmp_path)) as client:
        assert client.get_item(TableName="keep", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_region_namespaces() -> None:
    # Clients for different regions on one engine see different tables.
    engine = dynamo.Engine()
    east, west = dynamo.Client(engine, region="us-east-1"), dynamo.Client(engine, region="eu-west-1")
    east.create_table(
        TableName="east-only",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert east.list_tables()["TableNames"] == ["east-only"] and west.list_tables()["TableNames"] == []
    engine.close()


def test_table_create_delay_with_manual_clock() -> None:
    # With a create delay, a new table is CREATING (data calls: not found) until the clock moves on.
    now = [1_700_000_000.0]
    with dynamo.connect(clock=lambda: now[0], table_create_delay=5) as client:
        client.create_table(
            TableName="slow",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        assert client.describe_table(TableName="slow")["Table"]["TableStatus"] == "CREATING"
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_item(TableName="slow", Key={"pk": {"S": "a"}})
        with pytest.raises(client.exceptions.ResourceInUseException):
            client.delete_table(TableName="slow")
        now[0] += 5
        assert client.describe_table(TableName="slow")["Table"]["TableStatus"] == "ACTIVE"


def test_waiters_and_paginators(client: Any) -> None:
    # get_waiter and get_paginator work as on a boto3 client.
    assert "table_exists" in client.waiter_names
    assert client.can_paginate("list_tables")
    pages = list(client.get_paginator("list_tables").paginate())
    assert all("TableNames" in page for page in pages)


def test_too_many_tables_is_limit_exceeded() -> None:
    # Past the data directory's capacity for tables and indexes, CreateTable is LimitExceededException.
    engine = dynamo.Engine(max_dbs=8)
    client = dynamo.Client(engine)
    schema = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    with pytest.raises(client.exceptions.LimitExceededException):
        for i in range(10):
            client.create_table(TableName=f"many-{i}", **schema)
    assert len(client.list_tables()["TableNames"]) >= 4
    engine.close()
