"""DescribeTable, DeleteTable and ListTables."""

from __future__ import annotations

from typing import Any

from tests.helpers import create_table, raises, unique


def test_describe_active_table(client: Any) -> None:
    # DescribeTable shows ACTIVE, live item counts and the warm throughput of on-demand tables.
    name = create_table(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "xyz"}})
    table = client.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ItemCount"] == 1
    assert table["TableSizeBytes"] == len("pk") + 1 + len("v") + 3
    assert table["WarmThroughput"] == {
        "ReadUnitsPerSecond": 12000,
        "WriteUnitsPerSecond": 4000,
        "Status": "ACTIVE",
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"] == table["CreationDateTime"]
    client.delete_table(TableName=name)


def test_describe_by_arn(client: Any) -> None:
    # DescribeTable accepts the table ARN and answers with the plain name.
    name = create_table(client)
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert client.describe_table(TableName=arn)["Table"]["TableName"] == name
    client.delete_table(TableName=name)


def test_describe_missing_table(client: Any) -> None:
    # Control-plane operations name the missing table.
    name = unique()
    with raises("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        client.describe_table(TableName=name)


def test_describe_empty_name(client: Any) -> None:
    # An empty name breaks the length rule first, then the pattern.
    with raises(
        "ValidationException",
        "2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member must have "
        "length greater than or equal to 3; Value '' at 'tableName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ):
        client.describe_table(TableName="")


def test_delete_table(client: Any) -> None:
    # DeleteTable answers DELETING with a short description; the table is then gone.
    name = create_table(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    desc = client.delete_table(TableName=name)["TableDescription"]
    assert desc["TableStatus"] == "DELETING"
    assert desc["TableName"] == name and desc["ItemCount"] == 1
    for absent in ("KeySchema", "AttributeDefinitions", "CreationDateTime"):
        assert absent not in desc
    client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.get_item(TableName=name, Key={"pk": {"S": "a"}})


def test_delete_missing_table(client: Any) -> None:
    # Deleting a missing table names it.
    name = unique()
    with raises("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"):
        client.delete_table(TableName=name)


def test_deletion_protection(client: Any) -> None:
    # A protected table cannot be deleted.
    name = create_table(client, DeletionProtectionEnabled=True)
    with raises(
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
    ):
        client.delete_table(TableName=name)
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_recreated_table_is_empty_with_new_id(client: Any) -> None:
    # A table re-created under the same name starts empty and has a new TableId.
    name = create_table(client)
    first = client.describe_table(TableName=name)["Table"]["TableId"]
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    client.delete_table(TableName=name)
    create_table(client, name=name)
    table = client.describe_table(TableName=name)["Table"]
    assert table["TableId"] != first and table["ItemCount"] == 0
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "a"}})
    client.delete_table(TableName=name)


def test_list_tables_paginates_in_order(client: Any) -> None:
    # ListTables is sorted by name; LastEvaluatedTableName appears only when more remain.
    prefix = unique("list")
    names = [create_table(client, name=f"{prefix}-{i}") for i in (3, 1, 2)]
    listed = [n for n in client.list_tables()["TableNames"] if n.startswith(prefix)]
    assert listed == sorted(names)
    page = client.list_tables(ExclusiveStartTableName=f"{prefix}-1", Limit=1)
    assert page["TableNames"] == [f"{prefix}-2"]
    after = client.list_tables(ExclusiveStartTableName=f"{prefix}-2")
    assert f"{prefix}-3" in after["TableNames"] and f"{prefix}-2" not in after["TableNames"]
    everything: list[str] = []
    for page in client.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        everything += page["TableNames"]
    assert everything == sorted(everything) and set(names) <= set(everything)
    for name in names:
        client.delete_table(TableName=name)


def test_list_tables_last_page_has_no_token(client: Any) -> None:
    # A page that reaches the last table carries no LastEvaluatedTableName, even when full.
    first, last = f"zzzz-{unique()}-a", f"zzzz-{unique()}-b"
    first, last = sorted([create_table(client, name=first), create_table(client, name=last)])
    page = client.list_tables(ExclusiveStartTableName=first, Limit=1)
    assert page["TableNames"] == [last]
    assert "LastEvaluatedTableName" not in page
    page = client.list_tables(ExclusiveStartTableName=first[:-1], Limit=1)
    assert page["TableNames"] == [first] and page["LastEvaluatedTableName"] == first
    client.delete_table(TableName=first)
    client.delete_table(TableName=last)


def test_list_tables_limit_constraints(client: Any) -> None:
    # Limit is 1..100 and start names follow the table-name rules; errors are aggregated, Limit first.
    with raises(
        "ValidationException",
        "3 validation errors detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value "
        "less than or equal to 100; Value 'a;' at 'exclusiveStartTableName' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at 'exclusiveStartTableName' failed "
        "to satisfy constraint: Member must have length greater than or equal to 3",
    ):
        client.list_tables(Limit=101, ExclusiveStartTableName="a;")
