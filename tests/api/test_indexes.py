"""Global and local secondary indexes: maintenance, projections, sparseness, reads, capacity."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import raises, unique

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731
OOMPVWI = "One or more parameter values were invalid: "


@pytest.fixture(scope="module")
def indexed(client: Any) -> Any:
    """pk S / sk N, a KEYS_ONLY GSI on (g, sk), an INCLUDE GSI on n, an LSI on (pk, l)."""
    name = unique()
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by-n",
                "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    yield name
    client.delete_table(TableName=name)


def gq(
    client: Any, table: str, index: str, condition: str, values: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return dict(
        client.query(
            TableName=table,
            IndexName=index,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            **extra,
        )
    )


def test_gsi_follows_writes(client: Any, indexed: str) -> None:
    # GSI entries appear, move and disappear with the items, in the same write.
    g = uuid.uuid4().hex
    pk = uuid.uuid4().hex
    client.put_item(TableName=indexed, Item={"pk": S(pk), "sk": N(1), "g": S(g), "other": S("x")})
    client.put_item(TableName=indexed, Item={"pk": S(pk), "sk": N(2), "g": S(g)})
    items = gq(client, indexed, "by-g", "g = :g", {":g": S(g)})["Items"]
    assert items == [{"g": S(g), "sk": N(1), "pk": S(pk)}, {"g": S(g), "sk": N(2), "pk": S(pk)}]  # KEYS_ONLY
    other = uuid.uuid4().hex
    client.update_item(
        TableName=indexed,
        Key={"pk": S(pk), "sk": N(1)},
        UpdateExpression="SET g = :g",
        ExpressionAttributeValues={":g": S(other)},
    )
    assert [i["sk"] for i in gq(client, indexed, "by-g", "g = :g", {":g": S(g)})["Items"]] == [N(2)]
    assert [i["sk"] for i in gq(client, indexed, "by-g", "g = :g", {":g": S(other)})["Items"]] == [N(1)]
    client.delete_item(TableName=indexed, Key={"pk": S(pk), "sk": N(2)})
    assert gq(client, indexed, "by-g", "g = :g", {":g": S(g)})["Items"] == []


def test_sparse_index(client: Any, indexed: str) -> None:
    # Items without the index key are not in the index; removing the attribute removes the entry.
    pk = uuid.uuid4().hex
    n = str(uuid.uuid4().int % 10**12)
    client.put_item(
        TableName=indexed, Item={"pk": S(pk), "sk": N(1), "n": N(n), "extra": S("e"), "hidden": S("h")}
    )
    client.put_item(TableName=indexed, Item={"pk": S(pk), "sk": N(2)})
    items = gq(client, indexed, "by-n", "n = :n", {":n": N(n)})["Items"]
    assert items == [{"n": N(n), "pk": S(pk), "sk": N(1), "extra": S("e")}]  # INCLUDE: keys + extra
    client.update_item(TableName=indexed, Key={"pk": S(pk), "sk": N(1)}, UpdateExpression="REMOVE n")
    assert gq(client, indexed, "by-n", "n = :n", {":n": N(n)})["Items"] == []


def test_non_unique_index_keys(client: Any, indexed: str) -> None:
    # Many items may share an index key; all are returned.
    n = str(uuid.uuid4().int % 10**12)
    pks = [uuid.uuid4().hex for _ in range(5)]
    for pk in pks:
        client.put_item(TableName=indexed, Item={"pk": S(pk), "sk": N(0), "n": N(n)})
    items = gq(client, indexed, "by-n", "n = :n", {":n": N(n)})["Items"]
    assert sorted(i["pk"]["S"] for i in items) == sorted(pks)
    paged: list[str] = []
    start = None
    while True:
        extra: dict[str, Any] = {"Limit": 2}
        if start:
            extra["ExclusiveStartKey"] = start
        page = gq(client, indexed, "by-n", "n = :n", {":n": N(n)}, **extra)
        paged += [i["pk"]["S"] for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"n", "pk", "sk"}  # index keys plus table keys
    assert sorted(paged) == sorted(pks) and len(paged) == 5


def test_wrong_index_key_type_rejected(client: Any, indexed: str) -> None:
    # Writing an index key attribute with the wrong type is refused (the first index by name is named).
    with raises(
        "ValidationException", OOMPVWI + "Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"
    ):
        client.put_item(TableName=indexed, Item={"pk": S("x"), "sk": N(1), "g": N(1)})
    with raises(
        "ValidationException", OOMPVWI + "Type mismatch for Index Key n Expected: N Actual: S IndexName: by-n"
    ):
        client.update_item(
            TableName=indexed,
            Key={"pk": S("x"), "sk": N(1)},
            UpdateExpression="SET n = :v",
            ExpressionAttributeValues={":v": S("text")},
        )


def test_empty_index_key_rejected(client: Any, indexed: str) -> None:
    # Index keys cannot be empty strings, on put or through an update.
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-g, IndexKey: g",
    ):
        client.put_item(TableName=indexed, Item={"pk": S("x"), "sk": N(1), "g": S("")})
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.",
    ):
        client.update_item(
            TableName=indexed,
            Key={"pk": S("x"), "sk": N(1)},
            UpdateExpression="SET l = :v",
            ExpressionAttributeValues={":v": S("")},
        )


def test_gsi_rules(client: Any, indexed: str) -> None:
    # GSIs: no consistent reads, and ALL_ATTRIBUTES only with an ALL projection.
    with raises("ValidationException", "Consistent reads are not supported on global secondary indexes"):
        gq(client, indexed, "by-g", "g = :g", {":g": S("a")}, ConsistentRead=True)
    with raises(
        "ValidationException",
        OOMPVWI
        + "Select type ALL_ATTRIBUTES is not supported for global secondary index by-g because its projection type is not ALL",
    ):
        gq(client, indexed, "by-g", "g = :g", {":g": S("a")}, Select="ALL_ATTRIBUTES")


def test_gsi_omits_unprojected_attributes(client: Any, indexed: str) -> None:
    # Asking a GSI for attributes it does not store simply leaves them out.
    g = uuid.uuid4().hex
    client.put_item(TableName=indexed, Item={"pk": S("p"), "sk": N(5), "g": S(g), "misc": S("o")})
    items = gq(client, indexed, "by-g", "g = :g", {":g": S(g)}, ProjectionExpression="pk, misc")["Items"]
    assert items == [{"pk": S("p")}]


def test_lsi_reads_fetch_from_table(client: Any, indexed: str) -> None:
    # An LSI read asking for unprojected attributes reads them from the table (and is charged for it).
    pk = uuid.uuid4().hex
    for i, l_value in enumerate(["b", "a", "c"]):
        client.put_item(
            TableName=indexed, Item={"pk": S(pk), "sk": N(i), "l": S(l_value), "big": S("x" * 5000)}
        )
    client.put_item(TableName=indexed, Item={"pk": S(pk), "sk": N(9)})  # no l: not in the LSI
    page = gq(
        client,
        indexed,
        "by-l",
        "pk = :p",
        {":p": S(pk)},
        Select="ALL_ATTRIBUTES",
        ReturnConsumedCapacity="INDEXES",
        ConsistentRead=True,
    )
    assert [i["l"]["S"] for i in page["Items"]] == ["a", "b", "c"]
    assert all(i["big"] == S("x" * 5000) for i in page["Items"])
    capacity = page["ConsumedCapacity"]
    assert capacity["LocalSecondaryIndexes"]["by-l"]["CapacityUnits"] == 1.0
    assert capacity["Table"]["CapacityUnits"] == 4.0  # 3 x ~5 KB read back from the table
    keys_only = gq(client, indexed, "by-l", "pk = :p AND l > :a", {":p": S(pk), ":a": S("a")})
    assert [i["l"]["S"] for i in keys_only["Items"]] == ["b", "c"] and "big" not in keys_only["Items"][0]


def test_index_write_capacity(client: Any, indexed: str) -> None:
    # Each index whose entry changes costs its own write units; moving an entry costs a delete and a put.
    pk = uuid.uuid4().hex
    first = client.put_item(
        TableName=indexed,
        Item={"pk": S(pk), "sk": N(1), "g": S("g1"), "n": N(1)},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]
    assert first["Table"] == {"CapacityUnits": 1.0}
    assert first["GlobalSecondaryIndexes"] == {"by-g": {"CapacityUnits": 1.0}, "by-n": {"CapacityUnits": 1.0}}
    assert first["CapacityUnits"] == 3.0 and "LocalSecondaryIndexes" not in first
    moved = client.update_item(
        TableName=indexed,
        Key={"pk": S(pk), "sk": N(1)},
        UpdateExpression="SET g = :g",
        ExpressionAttributeValues={":g": S("g2")},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]
    assert moved["GlobalSecondaryIndexes"] == {"by-g": {"CapacityUnits": 2.0}}
    untouched = client.update_item(
        TableName=indexed,
        Key={"pk": S(pk), "sk": N(1)},
        UpdateExpression="SET misc = :o",
        ExpressionAttributeValues={":o": S("x")},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]
    assert "GlobalSecondaryIndexes" not in untouched and untouched["CapacityUnits"] == 1.0


def test_item_collection_metrics(client: Any, indexed: str) -> None:
    # Tables with LSIs report the item collection's size estimate when asked.
    pk = uuid.uuid4().hex
    response = client.put_item(
        TableName=indexed, Item={"pk": S(pk), "sk": N(1), "l": S("x")}, ReturnItemCollectionMetrics="SIZE"
    )
    assert response["ItemCollectionMetrics"] == {
        "ItemCollectionKey": {"pk": S(pk)},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }


def test_no_collection_metrics_without_lsi(client: Any, table: str) -> None:
    # Tables without LSIs never return ItemCollectionMetrics.
    response = client.put_item(
        TableName=table, Item={"pk": S(uuid.uuid4().hex)}, ReturnItemCollectionMetrics="SIZE"
    )
    assert "ItemCollectionMetrics" not in response


def test_index_statistics(client: Any, indexed: str) -> None:
    # DescribeTable reports each index's item count and size.
    # Its own entry, so the test does not depend on which tests ran before it on this worker.
    client.put_item(TableName=indexed, Item={"pk": {"S": "stats"}, "sk": {"N": "1"}, "g": {"S": "stats"}})
    table = client.describe_table(TableName=indexed)["Table"]
    by_g = next(i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "by-g")
    count = client.scan(TableName=indexed, IndexName="by-g", Select="COUNT")["Count"]
    assert by_g["ItemCount"] == count and by_g["IndexSizeBytes"] > 0


def test_scan_index(client: Any, indexed: str) -> None:
    # Scanning an index returns its entries (projected), each once.
    entries = client.scan(TableName=indexed, IndexName="by-g")["Items"]
    assert all(set(e) <= {"g", "sk", "pk"} for e in entries)
    assert len({(e["pk"]["S"], e["sk"]["N"]) for e in entries}) == len(entries)
