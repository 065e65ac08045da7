"""TransactWriteItems: all-or-nothing writes, cancellation reasons, limits, idempotency, capacity."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import create_gsi_table, create_table, raises, unique

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def put(table: str, pk: str, **attrs: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {**key(pk), **attrs}}}


def check(table: str, pk: str, condition: str, **extra: Any) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": table, "Key": key(pk), "ConditionExpression": condition, **extra}}


def get(client: Any, table: str, pk: str) -> Any:
    return client.get_item(TableName=table, Key=key(pk)).get("Item")


def reasons_of(info: Any) -> list[dict[str, Any]]:
    reasons: list[dict[str, Any]] = info.value.response["CancellationReasons"]
    return reasons


def test_all_actions_apply(client: Any, table: str) -> None:
    # Put, Update, Delete and a passing ConditionCheck commit together; the response is empty.
    a, b, c, d = (unique() for _ in range(4))
    client.put_item(TableName=table, Item={**key(b), "n": {"N": "1"}})
    client.put_item(TableName=table, Item=key(c))
    client.put_item(TableName=table, Item=key(d))
    response = client.transact_write_items(
        TransactItems=[
            put(table, a, v={"S": "new"}),
            {
                "Update": {
                    "TableName": table,
                    "Key": key(b),
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": table, "Key": key(c)}},
            check(table, d, "attribute_exists(pk)"),
        ]
    )
    assert set(response) == {"ResponseMetadata"}
    assert get(client, table, a) == {**key(a), "v": {"S": "new"}}
    assert get(client, table, b)["n"] == {"N": "2"}
    assert get(client, table, c) is None
    assert get(client, table, d) == key(d)


def test_third_of_five_conditions_fails(client: Any, table: str) -> None:
    # One failing condition cancels everything: five reasons, nothing written.
    pks = [unique() for _ in range(5)]
    items = [
        {"Put": {"TableName": table, "Item": key(pk), "ConditionExpression": "attribute_not_exists(pk)"}}
        for pk in pks
    ]
    items[2] = check(table, pks[2], "attribute_exists(pk)")
    with raises(
        "TransactionCanceledException", CANCELLED + "[None, None, ConditionalCheckFailed, None, None]"
    ) as info:
        client.transact_write_items(TransactItems=items)
    assert reasons_of(info) == [
        {"Code": "None"},
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
        {"Code": "None"},
    ]
    assert all(get(client, table, pk) is None for pk in pks)


def test_all_conditions_are_evaluated(client: Any, table: str) -> None:
    # Several failing conditions give several ConditionalCheckFailed reasons (no short-circuit).
    a, b = unique(), unique()
    with raises(
        "TransactionCanceledException", CANCELLED + "[ConditionalCheckFailed, None, ConditionalCheckFailed]"
    ):
        client.transact_write_items(
            TransactItems=[
                check(table, a, "attribute_exists(pk)"),
                put(table, unique()),
                check(table, b, "attribute_exists(pk)"),
            ]
        )


def test_return_values_on_condition_check_failure(client: Any, table: str) -> None:
    # ALL_OLD puts the existing item in the reason; a missing item or NONE gives no Item.
    a = unique()
    client.put_item(TableName=table, Item={**key(a), "v": {"N": "7"}})
    with raises("TransactionCanceledException") as info:
        client.transact_write_items(
            TransactItems=[
                check(table, a, "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                {
                    "Delete": {
                        "TableName": table,
                        "Key": key(unique()),
                        "ConditionExpression": "attribute_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    first, second = reasons_of(info)
    assert first == {
        "Code": "ConditionalCheckFailed",
        "Message": "The conditional request failed",
        "Item": {**key(a), "v": {"N": "7"}},
    }
    assert second == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}


def test_update_with_attribute_exists_on_missing_item(client: Any, table: str) -> None:
    # attribute_exists(pk) on a missing key cancels and creates nothing; attribute_not_exists upserts.
    a = unique()
    update = {
        "TableName": table,
        "Key": key(a),
        "UpdateExpression": "SET v = :v",
        "ExpressionAttributeValues": {":v": {"S": "x"}},
    }
    with raises("TransactionCanceledException"):
        client.transact_write_items(
            TransactItems=[{"Update": {**update, "ConditionExpression": "attribute_exists(pk)"}}]
        )
    assert get(client, table, a) is None
    client.transact_write_items(
        TransactItems=[{"Update": {**update, "ConditionExpression": "attribute_not_exists(pk)"}}]
    )
    assert get(client, table, a) == {**key(a), "v": {"S": "x"}}


def test_condition_check_never_writes(client: Any, table: str) -> None:
    # A transaction of one passing ConditionCheck is valid and writes nothing, even for a missing key.
    a = unique()
    client.transact_write_items(TransactItems=[check(table, a, "attribute_not_exists(pk)")])
    assert get(client, table, a) is None


def test_key_type_error_is_a_validation_reason(client: Any, table: str) -> None:
    # A Put with a wrong-typed key cancels with ValidationError (PutItem's text), the others None.
    with raises("TransactionCanceledException", CANCELLED + "[None, ValidationError]") as info:
        client.transact_write_items(
            TransactItems=[put(table, unique()), {"Put": {"TableName": table, "Item": {"pk": {"N": "1"}}}}]
        )
    assert reasons_of(info)[1] == {
        "Code": "ValidationError",
        "Message": "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    }


@pytest.mark.parametrize("action", ["Delete", "ConditionCheck", "Update"])
def test_key_mismatch_reason_for_key_actions(client: Any, table: str, action: str) -> None:
    # Update, Delete and ConditionCheck with a wrong-typed Key cancel with "does not match the schema".
    body: dict[str, Any] = {"TableName": table, "Key": {"pk": {"N": "1"}}}
    if action == "ConditionCheck":
        body["ConditionExpression"] = "attribute_exists(pk)"
    if action == "Update":
        body["UpdateExpression"] = "REMOVE a"
    with raises("TransactionCanceledException", CANCELLED + "[ValidationError]") as info:
        client.transact_write_items(TransactItems=[{action: body}])
    assert reasons_of(info) == [
        {"Code": "ValidationError", "Message": "The provided key element does not match the schema"}
    ]


def test_only_the_first_invalid_action_is_reported(client: Any, table: str) -> None:
    # Only the first failing action gets ValidationError; later ones (even invalid or failing) get None.
    with raises("TransactionCanceledException", CANCELLED + "[None, ValidationError, None, None]"):
        client.transact_write_items(
            TransactItems=[
                check(table, unique(), "attribute_exists(pk)"),
                {"Put": {"TableName": table, "Item": {"pk": {"N": "1"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"B": b"x"}}}},
                put(table, unique()),
            ]
        )


def test_update_data_error_is_a_validation_reason(client: Any, table: str) -> None:
    # An update that fails on the stored item (arithmetic on a missing attribute) cancels with ValidationError.
    with raises("TransactionCanceledException", CANCELLED + "[ValidationError]") as info:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key(unique()),
                        "UpdateExpression": "SET v = missing_attr + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
            ]
        )
    assert (
        reasons_of(info)[0]["Message"]
        == "The provided expression refers to an attribute that does not exist in the item"
    )


def test_updating_a_key_attribute_is_a_validation_reason(client: Any, table: str) -> None:
    # Updating the partition key cancels with UpdateItem's message.
    with raises("TransactionCanceledException") as info:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key(unique()),
                        "UpdateExpression": "SET pk = :v",
                        "ExpressionAttributeValues": {":v": {"S": "x"}},
                    }
                }
            ]
        )
    assert (
        reasons_of(info)[0]["Message"]
        == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    )


def test_duplicate_targets(client: Any, table: str) -> None:
    # Two actions on one item (keys compared by value) fail the request as a whole.
    a = unique()
    with raises("ValidationException", "Transaction request cannot include multiple operations on one item"):
        client.transact_write_items(TransactItems=[put(table, a), check(table, a, "attribute_exists(pk)")])
    with raises("ValidationException", "Transaction request cannot include multiple operations on one item"):
        client.transact_write_items(
            TransactItems=[check(table, a, "attribute_exists(pk)"), check(table, a, "attribute_exists(pk)")]
        )


def test_empty_key_is_request_level(client: Any, table: str) -> None:
    # An empty string key fails the whole request (not a cancellation reason).
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk",
    ):
        client.transact_write_items(
            TransactItems=[put(table, unique()), {"Delete": {"TableName": table, "Key": key("")}}]
        )


def test_expression_errors_are_request_level(client: Any, table: str) -> None:
    # A syntax error or an unused value in any action fails the request and writes nothing.
    a = unique()
    with raises(
        "ValidationException", 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("'
    ):
        client.transact_write_items(
            TransactItems=[put(table, a), check(table, unique(), "attribute_exists(")]
        )
    with raises(
        "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    ):
        client.transact_write_items(
            TransactItems=[
                put(table, a),
                check(table, unique(), "attribute_exists(pk)", ExpressionAttributeValues={":v": {"S": "x"}}),
            ]
        )
    assert get(client, table, a) is None


def test_unknown_table(client: Any, table: str) -> None:
    # An unknown table fails the request with ResourceNotFound; nothing is written.
    a = unique()
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.transact_write_items(TransactItems=[put(table, a), put(unique("missing"), a)])
    assert get(client, table, a) is None


def test_list_length_limits(client: Any, table: str) -> None:
    # TransactItems holds 1..100 actions; the classic message echoes the value.
    with raises(
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1",
    ):
        client.transact_write_items(TransactItems=[])
    with raises("ValidationException") as info:
        client.transact_write_items(TransactItems=[put(table, f"k{i}") for i in range(101)])
    message = info.value.response["Error"]["Message"]
    assert message.startswith(
        "1 validation error detected: Value '[TransactWriteItem(conditionCheck=null, put=Put("
    )
    assert message.endswith(
        "]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


def test_one_hundred_actions(client: Any, table: str) -> None:
    # 100 actions are allowed.
    pks = [unique() for _ in range(100)]
    client.transact_write_items(TransactItems=[put(table, pk) for pk in pks])
    assert get(client, table, pks[99]) is not None


def test_entry_without_or_with_two_actions(client: Any, table: str) -> None:
    # An entry needs exactly one action.
    with raises(
        "ValidationException",
        "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request",
    ):
        client.transact_write_items(TransactItems=[{}])
    with raises("ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete"):
        client.transact_write_items(
            TransactItems=[{**put(table, "a"), "Delete": {"TableName": table, "Key": key("a")}}]
        )


def test_member_constraints_name_the_action_path(client: Any, table: str) -> None:
    # Constraint errors inside an action name its path: index, action, member.
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'bad!name' at 'transactItems.1.member.put.tableName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ):
        client.transact_write_items(TransactItems=[put("bad!name", "a")])
    with raises(
        "ValidationException",
        "1 validation error detected: Value null at 'transactItems.2.member.conditionCheck.conditionExpression' "
        "failed to satisfy constraint: Member must not be null",
    ):
        client.transact_write_items(
            TransactItems=[put(table, "a"), {"ConditionCheck": {"TableName": table, "Key": key("b")}}]
        )
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'dog' at 'transactItems.1.member.put.returnValuesOnConditionCheckFailure' "
        "failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]",
    ):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": key("a"), "ReturnValuesOnConditionCheckFailure": "dog"}}
            ]
        )


def test_client_request_token_length(client: Any, table: str) -> None:
    # ClientRequestToken holds 1..36 characters.
    client.transact_write_items(TransactItems=[put(table, unique())], ClientRequestToken="t" * 36)
    with raises(
        "ValidationException",
        f"1 validation error detected: Value '{'t' * 37}' at 'clientRequestToken' failed to satisfy constraint: "
        "Member must have length less than or equal to 36",
    ):
        client.transact_write_items(TransactItems=[put(table, unique())], ClientRequestToken="t" * 37)


def test_oversize_put_item(client: Any, table: str) -> None:
    # A Put item over 400 KB fails the request.
    with raises("ValidationException", "Item size has exceeded the maximum allowed size"):
        client.transact_write_items(TransactItems=[put(table, unique(), big={"S": "x" * 409_600})])


def test_payload_over_4_mb(client: Any, table: str) -> None:
    # The items of one transaction may not add up to more than 4 MB.
    big = {"S": "x" * 380_000}
    with raises("ValidationException", startswith="Transaction payload size cannot exceed"):
        client.transact_write_items(TransactItems=[put(table, unique(), big=big) for _ in range(12)])


def test_idempotent_replay(client: Any, table: str) -> None:
    # A retry with the same token returns success without applying the writes again.
    a = unique()
    client.put_item(TableName=table, Item={**key(a), "n": {"N": "0"}})
    token = str(uuid.uuid4())
    items = [
        {
            "Update": {
                "TableName": table,
                "Key": key(a),
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
    ]
    first = client.transact_write_items(
        TransactItems=items, ClientRequestToken=token, ReturnConsumedCapacity="TOTAL"
    )
    replay = client.transact_write_items(
        TransactItems=items, ClientRequestToken=token, ReturnConsumedCapacity="TOTAL"
    )
    assert get(client, table, a)["n"] == {"N": "1"}
    assert first["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}
    ]
    # The replay reports reading the item transactionally instead of writing it.
    assert replay["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    ]


def test_token_compares_parameters_by_meaning(client: Any, table: str) -> None:
    # Member order does not make a different request; a different value does.
    a = unique()
    token = str(uuid.uuid4())
    client.transact_write_items(
        TransactItems=[put(table, a, x={"S": "1"}, y={"S": "2"})], ClientRequestToken=token
    )
    client.transact_write_items(
        TransactItems=[{"Put": {"Item": {"y": {"S": "2"}, "x": {"S": "1"}, **key(a)}, "TableName": table}}],
        ClientRequestToken=token,
    )
    with raises("IdempotentParameterMismatchException"):
        client.transact_write_items(TransactItems=[put(table, a, x={"S": "other"})], ClientRequestToken=token)
    assert get(client, table, a) == {**key(a), "x": {"S": "1"}, "y": {"S": "2"}}


def test_cancelled_transaction_does_not_consume_its_token(client: Any, table: str) -> None:
    # A cancelled first attempt leaves the token unused: the retry runs for real.
    a = unique()
    token = str(uuid.uuid4())
    items = [put(table, a), check(table, "gate-" + a, "attribute_exists(pk)")]
    with raises("TransactionCanceledException"):
        client.transact_write_items(TransactItems=items, ClientRequestToken=token)
    client.put_item(TableName=table, Item=key("gate-" + a))
    client.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert get(client, table, a) is not None


def test_capacity_is_doubled_per_action(client: Any, table: str) -> None:
    # Each action costs 2 x its write units, ConditionCheck included, sized on the larger image.
    a, b = unique(), unique()
    client.put_item(TableName=table, Item={**key(b), "blob": {"S": "x" * 2500}})
    response = client.transact_write_items(
        TransactItems=[put(table, a), check(table, b, "attribute_exists(pk)")],
        ReturnConsumedCapacity="INDEXES",
    )
    assert response["ConsumedCapacity"] == [
        {
            "TableName": table,
            "CapacityUnits": 8.0,
            "WriteCapacityUnits": 8.0,
            "Table": {"CapacityUnits": 8.0, "WriteCapacityUnits": 8.0},
        }
    ]


def test_index_units_are_not_doubled(client: Any) -> None:
    # A GSI's share of a transactional write is charged once.
    name = create_gsi_table(client)
    response = client.transact_write_items(
        TransactItems=[put(name, "a", g={"S": "x"})], ReturnConsumedCapacity="INDEXES"
    )
    assert response["ConsumedCapacity"] == [
        {
            "TableName": name,
            "CapacityUnits": 3.0,
            "WriteCapacityUnits": 3.0,
            "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"gsi": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}},
        }
    ]
    with raises("TransactionCanceledException") as info:
        client.transact_write_items(TransactItems=[put(name, "b", g={"N": "1"})])
    assert info.value.response["CancellationReasons"][0]["Message"] == (
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: gsi"
    )
    client.delete_table(TableName=name)


def test_cancelled_transaction_has_no_capacity(client: Any, table: str) -> None:
    # A cancelled transaction's error carries no ConsumedCapacity.
    with raises("TransactionCanceledException") as info:
        client.transact_write_items(
            TransactItems=[check(table, unique(), "attribute_exists(pk)")], ReturnConsumedCapacity="TOTAL"
        )
    assert "ConsumedCapacity" not in info.value.response


def test_empty_index_key_is_request_level(client: Any) -> None:
    # An empty string for a GSI key in a Put fails the whole request, as an empty table key does.
    name = create_gsi_table(client)
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. A value specified for a secondary index key is not "
        "supported. The AttributeValue for a key attribute cannot contain an empty string value. "
        "IndexName: gsi, IndexKey: g",
    ):
        client.transact_write_items(TransactItems=[put(name, "a", g={"S": ""})])
    client.delete_table(TableName=name)


def test_incomplete_keys_are_not_duplicates(client: Any, table: str) -> None:
    # Two Puts lacking their key address no item: each is its own ValidationError, not a duplicate.
    with raises("TransactionCanceledException", CANCELLED + "[ValidationError, None]") as info:
        client.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": {"x": {"S": "1"}}}}] * 2
        )
    assert (
        reasons_of(info)[0]["Message"]
        == "One or more parameter values were invalid: Missing the key pk in the item"
    )


def test_name_and_arn_are_one_table(client: Any, table: str) -> None:
    # A table named once by name and once by ARN is one table: one item, one capacity entry.
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    a = unique()
    with raises("ValidationException", "Transaction request cannot include multiple operations on one item"):
        client.transact_write_items(TransactItems=[put(table, a), put(arn, a)])
    response = client.transact_write_items(
        TransactItems=[put(table, unique()), put(arn, unique())], ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"] == [
        {"TableName": table, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}
    ]


def test_token_does_not_outlive_its_table(client: Any) -> None:
    # A token whose table was deleted and re-created (even with another schema) is a new request.
    name = create_table(client)
    token = str(uuid.uuid4())
    client.transact_write_items(TransactItems=[put(name, "a")], ClientRequestToken=token)
    client.delete_table(TableName=name)
    client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    create_table(client, name=name)
    client.transact_write_items(TransactItems=[put(name, "a")], ClientRequestToken=token)
    assert get(client, name, "a") is not None
    client.delete_table(TableName=name)
