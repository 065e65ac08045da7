"""The pre-expression parameters (reference 6), each beside its expression equivalent.

Every legacy form is checked to give what the expression it stands for gives: the same
items, the same writes, the same consumed capacity; and the legacy forms' own errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import create_table, raises

INVALID = "One or more parameter values were invalid: "


@pytest.fixture(scope="module")
def data(client: Any) -> Iterator[str]:
    """A hash+range table (pk S, sk N) with one partition of varied items."""
    name = create_table(client, range_key=("sk", "N"))
    items = [
        {"s": {"S": "apple"}, "n": {"N": "1"}, "b": {"B": b"\x01\x02"}, "ss": {"SS": ["a", "b"]}},
        {"s": {"S": "apricot"}, "n": {"N": "5"}, "l": {"L": [{"S": "a"}, {"N": "1"}]}},
        {"s": {"S": "banana"}, "n": {"N": "10"}, "ns": {"NS": ["1", "2"]}},
        {"n": {"N": "-3"}, "ss": {"SS": ["c"]}, "b": {"B": b"\x03"}},
        {"s": {"S": "cherry"}, "m": {"M": {"x": {"S": "y"}}}},
    ]
    for i, extra in enumerate(items):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, **extra})
    yield name
    client.delete_table(TableName=name)


# (ComparisonOperator, AttributeValueList on "s" or "n"..., equivalent FilterExpression, its values)
FILTERS = [
    ("EQ", "s", [{"S": "apple"}], "#a = :v0"),
    ("NE", "s", [{"S": "apple"}], "#a <> :v0"),
    ("LE", "n", [{"N": "5"}], "#a <= :v0"),
    ("LT", "n", [{"N": "5"}], "#a < :v0"),
    ("GE", "n", [{"N": "5"}], "#a >= :v0"),
    ("GT", "n", [{"N": "5"}], "#a > :v0"),
    ("NOT_NULL", "s", [], "attribute_exists(#a)"),
    ("NULL", "s", [], "attribute_not_exists(#a)"),
    ("CONTAINS", "s", [{"S": "an"}], "contains(#a, :v0)"),
    ("CONTAINS", "ss", [{"S": "a"}], "contains(#a, :v0)"),
    ("CONTAINS", "l", [{"N": "1"}], "contains(#a, :v0)"),
    (
        "NOT_CONTAINS",
        "s",
        [{"S": "an"}],
        "attribute_exists(#a) AND NOT contains(#a, :v0)",
    ),  # false if missing
    ("BEGINS_WITH", "s", [{"S": "ap"}], "begins_with(#a, :v0)"),
    ("BEGINS_WITH", "b", [{"B": b"\x01"}], "begins_with(#a, :v0)"),
    ("IN", "n", [{"N": "1"}, {"N": "10"}], "#a IN (:v0, :v1)"),
    ("BETWEEN", "n", [{"N": "0"}, {"N": "5"}], "#a BETWEEN :v0 AND :v1"),
]


def _keys(items: list[dict[str, Any]]) -> list[str]:
    return [item["sk"]["N"] for item in items]


@pytest.mark.parametrize(("operator", "attribute", "values", "expression"), FILTERS)
def test_scan_filter_equals_filter_expression(
    client: Any, data: str, operator: str, attribute: str, values: list[Any], expression: str
) -> None:
    # Each ComparisonOperator in a ScanFilter keeps exactly the items its expression keeps.
    legacy = client.scan(
        TableName=data,
        ScanFilter={attribute: {"ComparisonOperator": operator, "AttributeValueList": values}},
        ReturnConsumedCapacity="TOTAL",
    )
    modern: dict[str, Any] = {"FilterExpression": expression, "ExpressionAttributeNames": {"#a": attribute}}
    if values:
        modern["ExpressionAttributeValues"] = {f":v{i}": v for i, v in enumerate(values)}
    expected = client.scan(TableName=data, ReturnConsumedCapacity="TOTAL", **modern)
    assert _keys(legacy["Items"]) == _keys(expected["Items"])
    assert (legacy["Count"], legacy["ScannedCount"]) == (expected["Count"], expected["ScannedCount"])
    assert legacy["ConsumedCapacity"] == expected["ConsumedCapacity"]


@pytest.mark.parametrize(("operator", "attribute", "values", "expression"), FILTERS)
def test_query_filter_equals_filter_expression(
    client: Any, data: str, operator: str, attribute: str, values: list[Any], expression: str
) -> None:
    # QueryFilter with KeyConditions gives what FilterExpression with KeyConditionExpression gives.
    legacy = client.query(
        TableName=data,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        QueryFilter={attribute: {"ComparisonOperator": operator, "AttributeValueList": values}},
    )
    names = {"#a": attribute, "#k": "pk"}
    values_map = {":k": {"S": "p"}, **{f":v{i}": v for i, v in enumerate(values)}}
    expected = client.query(
        TableName=data,
        KeyConditionExpression="#k = :k",
        FilterExpression=expression,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values_map,
    )
    assert _keys(legacy["Items"]) == _keys(expected["Items"])


def test_conditional_operator_or_and_and(client: Any, data: str) -> None:
    # ConditionalOperator joins the entries: AND by default, OR when asked.
    filters = {
        "n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]},
        "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "ap"}]},
    }
    both = client.scan(TableName=data, ScanFilter=filters)
    either = client.scan(TableName=data, ScanFilter=filters, ConditionalOperator="OR")
    assert _keys(both["Items"]) == ["1"]
    assert sorted(_keys(either["Items"])) == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("operator", "values", "expression"),
    [
        ("EQ", [{"N": "2"}], "sk = :v0"),
        ("LE", [{"N": "2"}], "sk <= :v0"),
        ("LT", [{"N": "2"}], "sk < :v0"),
        ("GE", [{"N": "2"}], "sk >= :v0"),
        ("GT", [{"N": "2"}], "sk > :v0"),
        ("BETWEEN", [{"N": "1"}, {"N": "3"}], "sk BETWEEN :v0 AND :v1"),
    ],
)
def test_key_conditions_equal_key_condition_expression(
    client: Any, data: str, operator: str, values: list[Any], expression: str
) -> None:
    # Each sort-key operator of KeyConditions selects the range its expression selects.
    legacy = client.query(
        TableName=data,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": operator, "AttributeValueList": values},
        },
        ScanIndexForward=False,
        ReturnConsumedCapacity="TOTAL",
    )
    expected = client.query(
        TableName=data,
        KeyConditionExpression=f"pk = :p AND {expression}",
        ExpressionAttributeValues={":p": {"S": "p"}, **{f":v{i}": v for i, v in enumerate(values)}},
        ScanIndexForward=False,
        ReturnConsumedCapacity="TOTAL",
    )
    assert _keys(legacy["Items"]) == _keys(expected["Items"])
    assert legacy["ConsumedCapacity"] == expected["ConsumedCapacity"]


def test_key_conditions_begins_with(client: Any) -> None:
    # BEGINS_WITH on a string sort key, as begins_with() in a KeyConditionExpression.
    table = create_table(client, range_key=("sk", "S"))
    for sk in ("a1", "a2", "b1"):
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    legacy = client.query(
        TableName=table,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "a"}]},
        },
    )
    assert [i["sk"]["S"] for i in legacy["Items"]] == ["a1", "a2"]
    client.delete_table(TableName=table)


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (
            {"pk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "p"}]}},
            "Attempted conditional constraint is not an indexable operation",
        ),
        (
            {"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "p"}]}},
            "Query key condition not supported",
        ),
        (
            {"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}},
            "Query condition missed key schema element: pk",
        ),
        ({}, "Conditions can be of length 1 or 2 only"),
    ],
)
def test_key_condition_errors(client: Any, data: str, conditions: dict[str, Any], message: str) -> None:
    # KeyConditions accept only indexable operators, EQ on the partition key.
    with raises("ValidationException", message):
        client.query(TableName=data, KeyConditions=conditions)


def test_query_filter_may_not_name_a_key(client: Any, data: str) -> None:
    # QueryFilter is for non-key attributes (ScanFilter may use keys).
    with raises(
        "ValidationException",
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk",
    ):
        client.query(
            TableName=data,
            KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
            QueryFilter={"sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}},
        )
    found = client.scan(
        TableName=data, ScanFilter={"sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "3"}]}}
    )
    assert _keys(found["Items"]) == ["4"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"ComparisonOperator": "GT"}, "Invalid number of argument(s) for the GT ComparisonOperator"),
        (
            {"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "x"}]},
            "Invalid number of argument(s) for the NULL ComparisonOperator",
        ),
        (
            {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]},
            "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
        ),
        (
            {"ComparisonOperator": "IN", "AttributeValueList": []},
            "Invalid number of argument(s) for the IN ComparisonOperator",
        ),
        (
            {"ComparisonOperator": "GT", "AttributeValueList": [{"SS": ["a"]}]},
            "ComparisonOperator GT is not valid for SS AttributeValue type",
        ),
        (
            {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]},
            "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"S": "1"}]},
            "AttributeValues inside AttributeValueList must be of same type",
        ),
    ],
)
def test_comparison_operator_argument_rules(
    client: Any, data: str, entry: dict[str, Any], message: str
) -> None:
    # Each ComparisonOperator takes a fixed number of values of the types it can compare.
    with raises("ValidationException", INVALID + message):
        client.scan(TableName=data, ScanFilter={"n": entry})


def test_between_bounds_in_order(client: Any, data: str) -> None:
    # BETWEEN's lower bound may not exceed its upper bound.
    with raises(
        "ValidationException",
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
    ):
        client.scan(
            TableName=data,
            ScanFilter={
                "n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "5"}, {"N": "1"}]}
            },
        )


def test_conditional_operator_rules(client: Any, data: str) -> None:
    # ConditionalOperator needs a filter (or Expected) with at least two entries.
    with raises("ValidationException", "ConditionalOperator cannot be used without Filter or Expected"):
        client.scan(TableName=data, ConditionalOperator="OR")
    with raises(
        "ValidationException",
        "ConditionalOperator can only be used when Filter or Expected has two or more elements",
    ):
        client.scan(
            TableName=data, ConditionalOperator="OR", ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}}
        )


def test_mixing_legacy_and_expression_parameters(client: Any, data: str) -> None:
    # A request uses the legacy parameters or the expressions, never both.
    with raises(
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}",
    ):
        client.scan(
            TableName=data,
            ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}},
            FilterExpression="attribute_exists(n)",
        )
    with raises(
        "ValidationException", startswith="Can not use both expression and non-expression parameters"
    ):
        client.get_item(
            TableName=data,
            Key={"pk": {"S": "p"}, "sk": {"N": "0"}},
            AttributesToGet=["s"],
            ProjectionExpression="s",
        )


def test_attributes_to_get_equals_projection(client: Any, data: str) -> None:
    # AttributesToGet names top-level attributes literally, as a ProjectionExpression does.
    key = {"pk": {"S": "p"}, "sk": {"N": "0"}}
    legacy = client.get_item(TableName=data, Key=key, AttributesToGet=["s", "n", "absent"])
    modern = client.get_item(TableName=data, Key=key, ProjectionExpression="s, n, absent")
    assert legacy["Item"] == modern["Item"] == {"s": {"S": "apple"}, "n": {"N": "1"}}
    scan = client.scan(TableName=data, AttributesToGet=["m"])
    assert scan["Items"] == client.scan(TableName=data, ProjectionExpression="m")["Items"]
    query = client.query(
        TableName=data,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        AttributesToGet=["sk"],
        Select="SPECIFIC_ATTRIBUTES",
    )
    assert _keys(query["Items"]) == ["0", "1", "2", "3", "4"]
    batch = client.batch_get_item(RequestItems={data: {"Keys": [key], "AttributesToGet": ["s"]}})
    assert batch["Responses"][data] == [{"s": {"S": "apple"}}]
    with raises("ValidationException", INVALID + "Duplicate value in attribute name: s"):
        client.get_item(TableName=data, Key=key, AttributesToGet=["s", "s"])


@pytest.fixture
def table(client: Any) -> Iterator[str]:
    name = create_table(client)
    yield name
    client.delete_table(TableName=name)


@pytest.mark.parametrize(
    ("expected", "condition", "values"),
    [
        ({"v": {"Value": {"N": "1"}}}, "v = :a", {":a": {"N": "1"}}),
        ({"v": {"Value": {"N": "2"}, "Exists": True}}, "v = :a", {":a": {"N": "2"}}),
        ({"v": {"Exists": False}}, "attribute_not_exists(v)", None),
        ({"w": {"Exists": False}}, "attribute_not_exists(w)", None),
        ({"v": {"ComparisonOperator": "GT", "Value": {"N": "0"}}}, "v > :a", {":a": {"N": "0"}}),
        (
            {"v": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "5"}, {"N": "1"}]}},
            "v IN (:a, :b)",
            {":a": {"N": "5"}, ":b": {"N": "1"}},
        ),
        ({"v": {"ComparisonOperator": "NOT_NULL"}}, "attribute_exists(v)", None),
    ],
)
def test_expected_equals_condition_expression(
    client: Any, table: str, expected: dict[str, Any], condition: str, values: dict[str, Any] | None
) -> None:
    # Expected passes or fails exactly when its ConditionExpression would (Put, Update, Delete).
    def outcome(call: Any, **kwargs: Any) -> str:
        try:
            call(TableName=table, **kwargs)
            return "ok"
        except client.exceptions.ConditionalCheckFailedException:
            return "failed"

    values = values or {}
    modern: dict[str, Any] = {"ConditionExpression": condition}
    for pk in ("legacy", "modern"):
        client.put_item(TableName=table, Item={"pk": {"S": pk}, "v": {"N": "1"}})
    put = {"Item": {"pk": {"S": "legacy"}, "v": {"N": "1"}}}
    outcomes = [
        outcome(client.put_item, Expected=expected, **put),
        outcome(
            client.put_item,
            **{"Item": {"pk": {"S": "modern"}, "v": {"N": "1"}}},
            **modern,
            **({"ExpressionAttributeValues": values} if values else {}),
        ),
        outcome(
            client.update_item,
            Key={"pk": {"S": "legacy"}},
            AttributeUpdates={"x": {"Value": {"S": "y"}}},
            Expected=expected,
        ),
        outcome(
            client.update_item,
            Key={"pk": {"S": "modern"}},
            UpdateExpression="SET x = :x",
            ExpressionAttributeValues={":x": {"S": "y"}, **values},
            **modern,
        ),
        outcome(client.delete_item, Key={"pk": {"S": "legacy"}}, Expected=expected),
        outcome(
            client.delete_item,
            Key={"pk": {"S": "modern"}},
            **modern,
            **({"ExpressionAttributeValues": values} if values else {}),
        ),
    ]
    assert outcomes[0::2] == outcomes[1::2], outcomes
    assert len(set(outcomes)) == 1  # the same item, so the same verdict every time


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"Exists": True}, "Value must be provided when Exists is true for Attribute: v"),
        ({}, "Value must be provided when Exists is null for Attribute: v"),
        (
            {"Exists": False, "Value": {"N": "1"}},
            "Value cannot be used when Exists is false for Attribute: v",
        ),
        (
            {"Exists": True, "ComparisonOperator": "EQ", "Value": {"N": "1"}},
            "Exists and ComparisonOperator cannot be used together for Attribute: v",
        ),
        (
            {"ComparisonOperator": "EQ", "Value": {"N": "1"}, "AttributeValueList": [{"N": "1"}]},
            "Value and AttributeValueList cannot be used together for Attribute: v",
        ),
        (
            {"ComparisonOperator": "EQ"},
            "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: v",
        ),
        (
            {"AttributeValueList": [{"N": "1"}]},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: v",
        ),
    ],
)
def test_expected_entry_rules(client: Any, table: str, entry: dict[str, Any], message: str) -> None:
    # Each Expected entry is a value, an existence test or an operator, never a mixture.
    with raises("ValidationException", INVALID + message):
        client.put_item(TableName=table, Item={"pk": {"S": "k"}}, Expected={"v": entry})


def test_attribute_updates_equal_update_expression(client: Any, table: str) -> None:
    # PUT, ADD (number, set, list) and DELETE (attribute, set members) as SET/ADD/REMOVE/DELETE.
    start = {
        "pk": {"S": "a"},
        "n": {"N": "1"},
        "ss": {"SS": ["x", "y"]},
        "l": {"L": [{"S": "a"}]},
        "gone": {"S": "z"},
    }
    client.put_item(TableName=table, Item=start)
    client.put_item(TableName=table, Item={**start, "pk": {"S": "b"}})
    legacy = client.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        AttributeUpdates={
            "n": {"Action": "ADD", "Value": {"N": "4"}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["x"]}},
            "ns": {"Action": "ADD", "Value": {"NS": ["7"]}},
            "l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
            "gone": {"Action": "DELETE"},
            "fresh": {"Value": {"S": "new"}},
        },
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    modern = client.update_item(
        TableName=table,
        Key={"pk": {"S": "b"}},
        UpdateExpression="ADD n :four, ns :seven DELETE ss :x REMOVE gone SET l = list_append(l, :b), fresh = :new",
        ExpressionAttributeValues={
            ":four": {"N": "4"},
            ":x": {"SS": ["x"]},
            ":seven": {"NS": ["7"]},
            ":b": {"L": [{"S": "b"}]},
            ":new": {"S": "new"},
        },
        ReturnValues="ALL_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    assert {**legacy["Attributes"], "pk": None} == {**modern["Attributes"], "pk": None}
    assert legacy["ConsumedCapacity"] == modern["ConsumedCapacity"]
    created = client.update_item(
        TableName=table,
        Key={"pk": {"S": "c"}},
        AttributeUpdates={"l": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}},
        ReturnValues="ALL_NEW",
    )
    assert created["Attributes"]["l"] == {"L": [{"N": "1"}]}  # ADD to a missing list starts one


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        (
            {"v": {"Action": "PUT"}},
            INVALID + "Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            {"v": {"Action": "ADD"}},
            INVALID + "Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            {"v": {"Action": "DELETE", "Value": {"S": "x"}}},
            INVALID + "DELETE action with value is not supported for the type S",
        ),
        (
            {"v": {"Action": "ADD", "Value": {"S": "x"}}},
            INVALID + "ADD action is not supported for the type S",
        ),
        (
            {"pk": {"Value": {"S": "x"}}},
            INVALID + "Cannot update attribute pk. This attribute is part of the key",
        ),
        ({"n": {"Action": "ADD", "Value": {"SS": ["x"]}}}, "Type mismatch for attribute to update"),
    ],
)
def test_attribute_updates_errors(client: Any, table: str, updates: dict[str, Any], message: str) -> None:
    # AttributeUpdates' own rules, and its type-mismatch text at update time.
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "n": {"N": "1"}})
    with raises("ValidationException", message):
        client.update_item(TableName=table, Key={"pk": {"S": "k"}}, AttributeUpdates=updates)


def test_key_conditions_with_filter_and_projection_expressions(client: Any, data: str) -> None:
    # KeyConditions clashes only with KeyConditionExpression: filters and projections may be expressions.
    found = client.query(
        TableName=data,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        FilterExpression="n > :n",
        ProjectionExpression="sk",
        ExpressionAttributeValues={":n": {"N": "4"}},
    )
    assert found["Items"] == [{"sk": {"N": "1"}}, {"sk": {"N": "2"}}]
    with raises(
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
    ):
        client.query(
            TableName=data,
            KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
        )


def test_empty_legacy_maps_count_as_absent(client: Any, table: str) -> None:
    # Expected {} is no condition (ConditionalOperator then has nothing to join); AttributeUpdates
    # {} writes the key-only item, as an UpdateItem without an update does.
    with raises("ValidationException", "ConditionalOperator cannot be used without Filter or Expected"):
        client.put_item(TableName=table, Item={"pk": {"S": "k"}}, Expected={}, ConditionalOperator="OR")
    created = client.update_item(
        TableName=table, Key={"pk": {"S": "new"}}, AttributeUpdates={}, ReturnValues="ALL_NEW"
    )
    assert created["Attributes"] == {"pk": {"S": "new"}}


def test_expected_with_conditional_operator_on_writes(client: Any, table: str) -> None:
    # Expected's entries are joined by ConditionalOperator on writes too.
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    entries = {"v": {"Value": {"N": "2"}}, "w": {"Exists": False}}
    with raises("ConditionalCheckFailedException"):
        client.delete_item(TableName=table, Key={"pk": {"S": "k"}}, Expected=entries)
    client.delete_item(TableName=table, Key={"pk": {"S": "k"}}, Expected=entries, ConditionalOperator="OR")
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "k"}})


def test_attribute_update_names_follow_item_rules(client: Any, table: str) -> None:
    # AttributeUpdates may not create attributes PutItem would refuse.
    with raises("ValidationException", "Empty attribute name"):
        client.update_item(
            TableName=table, Key={"pk": {"S": "k"}}, AttributeUpdates={"": {"Value": {"N": "1"}}}
        )


def test_validation_order_of_values(client: Any, data: str) -> None:
    # Mixed types in IN are reported before the type of any one value.
    with raises(
        "ValidationException", INVALID + "AttributeValues inside AttributeValueList must be of same type"
    ):
        client.scan(
            TableName=data,
            ScanFilter={"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "x"}, {"SS": ["x"]}]}},
        )
    with raises(
        "ValidationException", INVALID + "Invalid number of argument(s) for the NULL ComparisonOperator"
    ):
        client.query(
            TableName=data,
            KeyConditions={"pk": {"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "p"}]}},
        )
    with raises(
        "ValidationException",
        INVALID + "Value and AttributeValueList cannot be used together for Attribute: v",
    ):
        client.put_item(
            TableName=data,
            Item={"pk": {"S": "x"}, "sk": {"N": "9"}},
            Expected={"v": {"Value": {"N": "1"}, "AttributeValueList": [{"N": "1"}]}},
        )


def test_attribute_updates_on_missing_attributes_and_sets(client: Any, table: str) -> None:
    # ADD to a missing number starts from 0, to a missing set creates it; DELETE that empties
    # a set removes the attribute; DELETE of a missing attribute does nothing.
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "ss": {"SS": ["a"]}})
    after = client.update_item(
        TableName=table,
        Key={"pk": {"S": "k"}},
        AttributeUpdates={
            "n": {"Action": "ADD", "Value": {"N": "5"}},
            "ns": {"Action": "ADD", "Value": {"NS": ["1"]}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
            "missing": {"Action": "DELETE"},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert after == {"pk": {"S": "k"}, "n": {"N": "5"}, "ns": {"NS": ["1"]}}


def test_attributes_to_get_with_select(client: Any, data: str) -> None:
    # AttributesToGet goes with Select SPECIFIC_ATTRIBUTES (or none), never with another Select.
    with raises(
        "ValidationException", "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"
    ):
        client.scan(TableName=data, AttributesToGet=["s"], Select="ALL_ATTRIBUTES")
    with raises(
        "ValidationException", "Cannot specify the AttributesToGet when choosing to get only the Count"
    ):
        client.scan(TableName=data, AttributesToGet=["s"], Select="COUNT")


def test_key_conditions_on_an_index(client: Any) -> None:
    # KeyConditions name the index's own key attributes, as a KeyConditionExpression would.
    from tests.helpers import create_gsi_table

    table = create_gsi_table(client, index="by-g")
    for i in range(3):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "g": {"S": "G" if i < 2 else "H"}})
    found = client.query(
        TableName=table,
        IndexName="by-g",
        KeyConditions={"g": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "G"}]}},
    )
    assert sorted(item["pk"]["S"] for item in found["Items"]) == ["k0", "k1"]
    client.delete_table(TableName=table)
