"""BatchWriteItem: whole-batch validation, limits, messages, capacity and collection metrics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import create_gsi_table, create_table, raises, unique

MAP_VALUE = (
    "failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or "
    "equal to 25, Member must have length greater than or equal to 1]"
)


def put(pk: str, **attrs: Any) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": {"S": pk}, **attrs}}}


def delete(pk: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": {"pk": {"S": pk}}}}


def get(client: Any, table: str, pk: str) -> Any:
    return client.get_item(TableName=table, Key={"pk": {"S": pk}}).get("Item")


@pytest.fixture(scope="module")
def second(client: Any) -> Any:
    name = create_table(client)
    yield name
    client.delete_table(TableName=name)


def test_puts_and_deletes_across_tables(client: Any, table: str, second: str) -> None:
    # Puts and deletes in several tables are all applied; UnprocessedItems is present and empty.
    a, b = unique("a"), unique("b")
    client.put_item(TableName=second, Item={"pk": {"S": b}})
    response = client.batch_write_item(RequestItems={table: [put(a, v={"N": "1"})], second: [delete(b)]})
    assert response["UnprocessedItems"] == {}
    assert "ConsumedCapacity" not in response
    assert get(client, table, a) == {"pk": {"S": a}, "v": {"N": "1"}}
    assert get(client, second, b) is None


def test_put_replaces_and_delete_of_missing_is_fine(client: Any, table: str) -> None:
    # A batch put replaces the whole item; deleting a missing item is not an error.
    a = unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}, "old": {"S": "x"}})
    client.batch_write_item(RequestItems={table: [put(a, v={"S": "y"}), delete(unique())]})
    assert get(client, table, a) == {"pk": {"S": a}, "v": {"S": "y"}}


def test_capacity_is_a_list_per_table(client: Any, table: str, second: str) -> None:
    # Units are rounded per item and summed per table: 3 small puts + one 1.5 KB put = 5; put + delete = 2.
    requests = {
        table: [put(unique()) for _ in range(3)] + [put(unique(), blob={"S": "x" * 1500})],
        second: [put(unique()), delete(unique())],
    }
    response = client.batch_write_item(RequestItems=requests, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 5.0},
        {"TableName": second, "CapacityUnits": 2.0},
    ]
    indexes = client.batch_write_item(RequestItems={table: [put(unique())]}, ReturnConsumedCapacity="INDEXES")
    assert indexes["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
    ]


def test_put_is_sized_on_the_larger_image(client: Any, table: str) -> None:
    # Overwriting a 2 KB item with a tiny one still costs the old item's 2 units, as PutItem does.
    a = unique()
    client.put_item(TableName=table, Item={"pk": {"S": a}, "blob": {"S": "x" * 2000}})
    response = client.batch_write_item(RequestItems={table: [put(a)]}, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 2.0}]


def test_empty_request_items(client: Any) -> None:
    # An empty RequestItems map has its own (classic) message.
    with raises("ValidationException", "The requestItems parameter is required for BatchWriteItem"):
        client.batch_write_item(RequestItems={})


def test_empty_list_for_a_table(client: Any, table: str) -> None:
    # A table with no requests violates the map-value constraint; the map is echoed.
    with raises(
        "ValidationException",
        f"1 validation error detected: Value '{{{table}=[]}}' at 'requestItems' {MAP_VALUE}",
    ):
        client.batch_write_item(RequestItems={table: []})


def test_more_than_25_for_one_table(client: Any, table: str) -> None:
    # 26 requests for one table violate the map-value constraint; the message echoes a Java dump of them.
    with raises("ValidationException") as info:
        client.batch_write_item(RequestItems={table: [put(f"k{i}") for i in range(26)]})
    message = info.value.response["Error"]["Message"]
    assert message.startswith(
        f"1 validation error detected: Value '{{{table}=[WriteRequest(putRequest=PutRequest("
    )
    assert message.endswith(f"]}}' at 'requestItems' {MAP_VALUE}")
    assert get(client, table, "k0") is None


def test_more_than_25_across_tables(client: Any, table: str, second: str) -> None:
    # At most 25 requests in total: 13 + 13 in two tables is too many.
    requests = {table: [put(f"x{i}") for i in range(13)], second: [put(f"y{i}") for i in range(13)]}
    with raises("ValidationException", "Too many items requested for the BatchWriteItem call"):
        client.batch_write_item(RequestItems=requests)


def test_count_is_checked_before_the_table(client: Any) -> None:
    # 26 requests to a missing table: the count error wins; 25 give ResourceNotFound.
    missing = unique("missing")
    with raises("ValidationException", startswith="1 validation error detected"):
        client.batch_write_item(RequestItems={missing: [put(f"k{i}") for i in range(26)]})
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.batch_write_item(RequestItems={missing: [put(f"k{i}") for i in range(25)]})


def test_bad_table_name_echoes_the_map(client: Any) -> None:
    # A malformed table name violates the map-key constraint, listing all three rules.
    with raises("ValidationException") as info:
        client.batch_write_item(RequestItems={"bad!name": [put("a")]})
    message = info.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value '{bad!name=[WriteRequest(")
    assert message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have "
        "length less than or equal to 255, Member must have length greater than or equal to 3, Member must "
        "satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"
    )


def test_missing_put_item_is_a_null_constraint(client: Any, table: str) -> None:
    # A PutRequest without Item is reported with its full member path.
    with raises(
        "ValidationException",
        f"1 validation error detected: Value null at 'requestItems.{table}.member.1.member.putRequest.item' "
        "failed to satisfy constraint: Member must not be null",
    ):
        client.batch_write_item(RequestItems={table: [{"PutRequest": {}}]})


@pytest.mark.parametrize("request_", [{}, {**put("a"), **delete("a")}], ids=["none", "both"])
def test_write_request_needs_exactly_one_action(client: Any, table: str, request_: Any) -> None:
    # A WriteRequest with neither or both of Put and Delete reuses the attribute-value wording.
    with raises(
        "ValidationException",
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
    ):
        client.batch_write_item(RequestItems={table: [request_]})


def test_unknown_table_writes_nothing(client: Any, table: str) -> None:
    # One unknown table fails the whole batch: nothing is written in the known one.
    a = unique()
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.batch_write_item(RequestItems={table: [put(a)], unique("missing"): [put(a)]})
    assert get(client, table, a) is None


@pytest.mark.parametrize(
    "request_",
    [
        {"PutRequest": {"Item": {"pk": {"N": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"L": []}}}},
        {"PutRequest": {"Item": {"other": {"S": "x"}}}},
        {"DeleteRequest": {"Key": {"pk": {"N": "1"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "extra": {"S": "b"}}}},
    ],
    ids=["put-type", "put-list", "put-missing", "delete-type", "delete-extra"],
)
def test_key_errors_read_as_schema_mismatch(client: Any, table: str, request_: Any) -> None:
    # Key problems in a batch read "does not match the schema", not PutItem's wording; nothing is written.
    a = unique()
    with raises("ValidationException", "The provided key element does not match the schema"):
        client.batch_write_item(RequestItems={table: [put(a), request_]})
    assert get(client, table, a) is None


def test_empty_key_value(client: Any, table: str) -> None:
    # An empty string key has the key-attribute message.
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk",
    ):
        client.batch_write_item(RequestItems={table: [put("")]})


@pytest.mark.parametrize(
    "pair",
    [(put("d"), put("d")), (put("d"), delete("d")), (delete("d"), put("d")), (delete("d"), delete("d"))],
    ids=["put-put", "put-delete", "delete-put", "delete-delete"],
)
def test_duplicate_keys_in_one_table(client: Any, table: str, pair: Any) -> None:
    # Two requests for one key in a table are refused, whatever the actions.
    with raises("ValidationException", "Provided list of item keys contains duplicates"):
        client.batch_write_item(RequestItems={table: list(pair)})


def test_duplicate_numeric_keys_compare_by_value(client: Any) -> None:
    # Numeric keys are compared by value: 1000 and 1E3 are the same key.
    name = create_table(client, hash_key=("pk", "N"))
    requests = [
        {"PutRequest": {"Item": {"pk": {"N": "1000"}}}},
        {"DeleteRequest": {"Key": {"pk": {"N": "1E3"}}}},
    ]
    with raises("ValidationException", "Provided list of item keys contains duplicates"):
        client.batch_write_item(RequestItems={name: requests})
    client.delete_table(TableName=name)


def test_same_key_in_two_tables_is_fine(client: Any, table: str, second: str) -> None:
    # The same key in different tables is not a duplicate.
    a = unique()
    client.batch_write_item(RequestItems={table: [put(a)], second: [put(a)]})
    assert get(client, table, a) and get(client, second, a)


def test_keys_differing_in_sort_key_are_not_duplicates(client: Any, table_hr: str) -> None:
    # Keys that differ in one key component are distinct.
    a = unique()
    requests = [{"PutRequest": {"Item": {"pk": {"S": a}, "sk": {"N": str(i)}}}} for i in range(2)]
    client.batch_write_item(RequestItems={table_hr: requests})
    assert (
        len(
            client.query(
                TableName=table_hr,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": a}},
            )["Items"]
        )
        == 2
    )


def test_oversize_item_is_checked_before_the_table(client: Any) -> None:
    # An item over 400 KB is refused before the table is looked up.
    with raises("ValidationException", "Item size has exceeded the maximum allowed size"):
        client.batch_write_item(RequestItems={unique("missing"): [put("a", big={"S": "x" * 409_600})]})


def test_invalid_value_rejects_the_whole_batch(client: Any, table: str) -> None:
    # An invalid attribute value anywhere rejects the batch before any write.
    a = unique()
    with raises(
        "ValidationException", "One or more parameter values were invalid: An string set  may not be empty"
    ):
        client.batch_write_item(RequestItems={table: [put(a), put(unique(), s={"SS": []})]})
    assert get(client, table, a) is None


def test_index_key_type_mismatch(client: Any) -> None:
    # A put giving a GSI key the wrong type fails with the index-key message.
    name = create_gsi_table(client)
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: gsi",
    ):
        client.batch_write_item(RequestItems={name: [put("a", g={"N": "1"})]})
    response = client.batch_write_item(
        RequestItems={name: [put("a", g={"S": "x"})]}, ReturnConsumedCapacity="INDEXES"
    )
    assert response["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 2.0,
            "Table": {"CapacityUnits": 1.0},
            "GlobalSecondaryIndexes": {"gsi": {"CapacityUnits": 1.0}},
        }
    ]
    client.delete_table(TableName=name)


def test_item_collection_metrics_for_lsi_tables(client: Any) -> None:
    # ReturnItemCollectionMetrics SIZE reports each touched item collection of a table with an LSI.
    name = create_table(
        client,
        range_key=("sk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    requests = [
        {"PutRequest": {"Item": {"pk": {"S": p}, "sk": {"S": s}, "l": {"S": "x"}}}}
        for p, s in [("a", "1"), ("a", "2"), ("b", "1")]
    ]
    response = client.batch_write_item(RequestItems={name: requests}, ReturnItemCollectionMetrics="SIZE")
    metrics = response["ItemCollectionMetrics"][name]
    assert sorted(m["ItemCollectionKey"]["pk"]["S"] for m in metrics) == ["a", "b"]
    assert all(m["SizeEstimateRangeGB"] == [0.0, 1.0] for m in metrics)
    client.delete_table(TableName=name)


def test_name_and_arn_are_one_table(client: Any, table: str) -> None:
    # The same key under a table's name and its ARN is a duplicate; capacity has one entry.
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    a = unique()
    with raises("ValidationException", "Provided list of item keys contains duplicates"):
        client.batch_write_item(RequestItems={table: [put(a)], arn: [delete(a)]})
    response = client.batch_write_item(
        RequestItems={table: [put(unique())], arn: [put(unique())]}, ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 2.0}]
