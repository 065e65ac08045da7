"""TransactGetItems: one snapshot, projections, cancellation and capacity."""

from __future__ import annotations

from typing import Any

from tests.helpers import raises, unique


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def get(table: str, pk: str, **extra: Any) -> dict[str, Any]:
    return {"Get": {"TableName": table, "Key": key(pk), **extra}}


def test_responses_in_request_order(client: Any, table: str) -> None:
    # One entry per Get, in order; a missing item answers {}.
    a, b = unique(), unique()
    client.put_item(TableName=table, Item={**key(a), "v": {"N": "1"}})
    client.put_item(TableName=table, Item={**key(b), "v": {"N": "2"}})
    response = client.transact_get_items(TransactItems=[get(table, b), get(table, unique()), get(table, a)])
    assert response["Responses"] == [
        {"Item": {**key(b), "v": {"N": "2"}}},
        {},
        {"Item": {**key(a), "v": {"N": "1"}}},
    ]


def test_projection_and_empty_projection(client: Any, table: str) -> None:
    # A projection applies per Get; a projection matching nothing answers {} (unlike BatchGetItem).
    a = unique()
    client.put_item(TableName=table, Item={**key(a), "v": {"N": "1"}, "w": {"N": "2"}})
    response = client.transact_get_items(
        TransactItems=[
            get(table, unique()),
            get(table, a, ProjectionExpression="#w", ExpressionAttributeNames={"#w": "w"}),
        ]
    )
    assert response["Responses"] == [{}, {"Item": {"w": {"N": "2"}}}]
    nothing = client.transact_get_items(TransactItems=[get(table, a, ProjectionExpression="nope")])
    assert nothing["Responses"] == [{}]


def test_capacity_counts_missing_items(client: Any, table: str) -> None:
    # Each Get costs 2 read units per 4 KB, missing items included.
    a = unique()
    client.put_item(TableName=table, Item=key(a))
    response = client.transact_get_items(
        TransactItems=[get(table, a), get(table, unique())], ReturnConsumedCapacity="INDEXES"
    )
    assert response["ConsumedCapacity"] == [
        {
            "TableName": table,
            "CapacityUnits": 4.0,
            "ReadCapacityUnits": 4.0,
            "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0},
        }
    ]


def test_key_mismatch_cancels(client: Any, table: str) -> None:
    # A key that does not fit the schema cancels with ValidationError for that Get only.
    with raises(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]",
    ) as info:
        client.transact_get_items(
            TransactItems=[get(table, unique()), {"Get": {"TableName": table, "Key": {"pk": {"N": "1"}}}}]
        )
    assert info.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": "The provided key element does not match the schema"},
    ]


def test_request_level_errors(client: Any, table: str) -> None:
    # Duplicates, bad projections, unknown tables and the list length fail the request as a whole.
    a = unique()
    with raises("ValidationException", "Transaction request cannot include multiple operations on one item"):
        client.transact_get_items(TransactItems=[get(table, a), get(table, a)])
    with raises("ValidationException", 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'):
        client.transact_get_items(TransactItems=[get(table, a, ProjectionExpression="!!")])
    with raises(
        "ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"
    ):
        client.transact_get_items(
            TransactItems=[get(table, a, ProjectionExpression="v", ExpressionAttributeNames={"#n": "v"})]
        )
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.transact_get_items(TransactItems=[get(table, a), get(unique("missing"), a)])
    with raises(
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have "
        "length greater than or equal to 1",
    ):
        client.transact_get_items(TransactItems=[])
    with raises(
        "ValidationException", startswith="1 validation error detected: Value '[TransactGetItem(get=Get("
    ):
        client.transact_get_items(TransactItems=[get(table, f"k{i}") for i in range(101)])
    with raises(
        "ValidationException",
        "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: "
        "Member must not be null",
    ):
        client.transact_get_items(TransactItems=[{}])
