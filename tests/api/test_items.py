"""PutItem, GetItem and DeleteItem: keys, ReturnValues, capacity and the value rules."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import create_table, raises, unique

OOMPVWI = "One or more parameter values were invalid: "


def key() -> str:
    return uuid.uuid4().hex


def test_put_then_get(client: Any, table: str) -> None:
    # An item reads back exactly as written, binary as bytes.
    k = key()
    item = {
        "pk": {"S": k},
        "s": {"S": "text"},
        "b": {"B": b"\x00\xff"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "l": {"L": [{"S": "a"}, {"N": "1"}]},
        "m": {"M": {"x": {"SS": ["a", "b"]}}},
        "bs": {"BS": [b"1", b"2"]},
    }
    client.put_item(TableName=table, Item=item)
    assert client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"] == item


def test_get_missing_item(client: Any, table: str) -> None:
    # A missing item is an empty response, not an error.
    response = client.get_item(TableName=table, Key={"pk": {"S": key()}})
    assert "Item" not in response


def test_put_replaces_whole_item(client: Any, table: str) -> None:
    # PutItem replaces the item; attributes not written again are gone.
    k = key()
    client.put_item(TableName=table, Item={"pk": {"S": k}, "a": {"S": "1"}, "b": {"S": "2"}})
    client.put_item(TableName=table, Item={"pk": {"S": k}, "c": {"S": "3"}})
    assert client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"] == {"pk": {"S": k}, "c": {"S": "3"}}


def test_put_return_values_all_old(client: Any, table: str) -> None:
    # ReturnValues ALL_OLD returns the replaced item, and nothing for a new one.
    k = key()
    first = client.put_item(TableName=table, Item={"pk": {"S": k}, "v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in first
    second = client.put_item(TableName=table, Item={"pk": {"S": k}, "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert second["Attributes"] == {"pk": {"S": k}, "v": {"N": "1"}}


def test_put_return_values_only_all_old(client: Any, table: str) -> None:
    # PutItem accepts only NONE and ALL_OLD (2026: inside the single-error envelope).
    with raises(
        "ValidationException", "1 validation error detected: ReturnValues can only be ALL_OLD or NONE"
    ):
        client.put_item(TableName=table, Item={"pk": {"S": key()}}, ReturnValues="ALL_NEW")


def test_return_values_enum(client: Any, table: str) -> None:
    # An unknown ReturnValues is a constraint error listing the enum in DynamoDB's order.
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must "
        "satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
    ):
        client.put_item(TableName=table, Item={"pk": {"S": key()}}, ReturnValues="SOME")


def test_delete_item(client: Any, table: str) -> None:
    # DeleteItem removes the item and returns it with ALL_OLD.
    k = key()
    client.put_item(TableName=table, Item={"pk": {"S": k}, "v": {"S": "x"}})
    response = client.delete_item(TableName=table, Key={"pk": {"S": k}}, ReturnValues="ALL_OLD")
    assert response["Attributes"] == {"pk": {"S": k}, "v": {"S": "x"}}
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": k}})


def test_delete_missing_item(client: Any, table: str) -> None:
    # Deleting a missing item succeeds and returns nothing.
    response = client.delete_item(TableName=table, Key={"pk": {"S": key()}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in response


def test_delete_return_values_checked_after_table(client: Any, table: str) -> None:
    # DeleteItem checks ReturnValues after finding the table, with a two-value enum message.
    with raises("ResourceNotFoundException", "Requested resource not found"):
        client.delete_item(TableName=unique(), Key={"pk": {"S": key()}}, ReturnValues="ALL_NEW")
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'ALL_NEW' at 'returnValues' failed to satisfy constraint: Member must "
        "satisfy enum value set: [ALL_OLD, NONE]",
    ):
        client.delete_item(TableName=table, Key={"pk": {"S": key()}}, ReturnValues="ALL_NEW")


def test_missing_table(client: Any) -> None:
    # Item operations on a missing table say only "Requested resource not found".
    for call in (
        lambda: client.get_item(TableName=unique(), Key={"pk": {"S": "a"}}),
        lambda: client.put_item(TableName=unique(), Item={"pk": {"S": "a"}}),
        lambda: client.delete_item(TableName=unique(), Key={"pk": {"S": "a"}}),
    ):
        with raises("ResourceNotFoundException", "Requested resource not found"):
            call()


def test_table_arn_as_name(client: Any, table: str) -> None:
    # Item operations accept the table ARN as TableName.
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    k = key()
    client.put_item(TableName=arn, Item={"pk": {"S": k}})
    assert client.get_item(TableName=arn, Key={"pk": {"S": k}})["Item"] == {"pk": {"S": k}}


def test_empty_table_name(client: Any) -> None:
    # An empty TableName on an item operation breaks only the minimum length of 1.
    with raises(
        "ValidationException",
        "1 validation error detected: Value '' at 'tableName' failed to satisfy constraint: Member must have "
        "length greater than or equal to 1",
    ):
        client.get_item(TableName="", Key={"pk": {"S": "a"}})


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_key",
    [
        {},
        {"pk": {"N": "1"}},
        {"pk": {"S": "a"}, "extra": {"S": "b"}},
        {"other": {"S": "a"}},
        {"pk": {"SS": ["a"]}},
    ],
)
def test_key_must_match_schema(client: Any, table: str, bad_key: dict[str, Any]) -> None:
    # Wrong count, names or types of key attributes all give the same schema message.
    with raises("ValidationException", "The provided key element does not match the schema"):
        client.get_item(TableName=table, Key=bad_key)


def test_key_missing_range(client: Any, table_hr: str) -> None:
    # A hash+range table needs both keys.
    with raises("ValidationException", "The provided key element does not match the schema"):
        client.get_item(TableName=table_hr, Key={"pk": {"S": "a"}})


def test_empty_string_key(client: Any, table: str) -> None:
    # Key attributes cannot be empty strings.
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk",
    ):
        client.get_item(TableName=table, Key={"pk": {"S": ""}})


def test_empty_binary_key(client: Any) -> None:
    # Binary key attributes cannot be empty.
    name = create_table(client, hash_key=("pk", "B"))
    with raises(
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty binary value. Key: pk",
    ):
        client.put_item(TableName=name, Item={"pk": {"B": b""}})
    client.delete_table(TableName=name)


def test_put_missing_key(client: Any, table: str) -> None:
    # PutItem names the missing key attribute.
    with raises("ValidationException", OOMPVWI + "Missing the key pk in the item"):
        client.put_item(TableName=table, Item={"other": {"S": "a"}})


def test_put_key_type_mismatch(client: Any, table: str) -> None:
    # PutItem names the key whose type is wrong.
    with raises("ValidationException", OOMPVWI + "Type mismatch for key pk expected: S actual: N"):
        client.put_item(TableName=table, Item={"pk": {"N": "1"}})


def test_hash_key_size_limit(client: Any, table: str) -> None:
    # A partition key may be 2048 bytes, not more.
    client.put_item(TableName=table, Item={"pk": {"S": "x" * 2048}})
    with raises(
        "ValidationException", OOMPVWI + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
    ):
        client.put_item(TableName=table, Item={"pk": {"S": "x" * 2049}})


def test_range_key_size_limit(client: Any, table: str) -> None:
    # A sort key may be 1024 bytes, counted in UTF-8.
    name = create_table(client, range_key=("sk", "S"))
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "é" * 512}})
    with raises(
        "ValidationException",
        OOMPVWI + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    ):
        client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "é" * 512 + "x"}})
    client.delete_table(TableName=name)


def test_numeric_keys_compare_by_value(client: Any, table_hr: str) -> None:
    # Number keys are equal by value and come back canonical.
    client.put_item(TableName=table_hr, Item={"pk": {"S": "num"}, "sk": {"N": "1e3"}, "v": {"S": "x"}})
    for form in ("1000", "1000.0", "+1000", "001000", "1E+3"):
        item = client.get_item(TableName=table_hr, Key={"pk": {"S": "num"}, "sk": {"N": form}})["Item"]
        assert item["sk"] == {"N": "1000"}


# -- capacity ------------------------------------------------------------------------------


def test_consumed_capacity(client: Any, table: str) -> None:
    # Reads cost 4 KB units (half when eventually consistent); writes 1 KB units of the larger image.
    k = key()
    big = {"pk": {"S": k}, "data": {"S": "x" * 5000}}
    put = client.put_item(TableName=table, Item=big, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 5.0}
    small = client.put_item(TableName=table, Item={"pk": {"S": k}}, ReturnConsumedCapacity="INDEXES")
    assert small["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 5.0,
        "Table": {"CapacityUnits": 5.0},
    }
    client.put_item(TableName=table, Item=big)
    strong = client.get_item(
        TableName=table, Key={"pk": {"S": k}}, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
    )
    assert strong["ConsumedCapacity"]["CapacityUnits"] == 2.0
    eventual = client.get_item(TableName=table, Key={"pk": {"S": k}}, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"]["CapacityUnits"] == 1.0
    missing = client.get_item(TableName=table, Key={"pk": {"S": key()}}, ReturnConsumedCapacity="INDEXES")
    assert missing["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.5},
    }
    deleted = client.delete_item(TableName=table, Key={"pk": {"S": key()}}, ReturnConsumedCapacity="TOTAL")
    assert deleted["ConsumedCapacity"]["CapacityUnits"] == 1.0
    none = client.get_item(TableName=table, Key={"pk": {"S": k}}, ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in none


# -- item size -----------------------------------------------------------------------------


def test_item_size_limit_is_exact(client: Any, table: str) -> None:
    # 409,600 bytes (names included) is accepted; one more byte is not.
    k = key()
    overhead = len("pk") + len(k) + len("d")
    client.put_item(TableName=table, Item={"pk": {"S": k}, "d": {"S": "x" * (409600 - overhead)}})
    with raises("ValidationException", "Item size has exceeded the maximum allowed size"):
        client.put_item(TableName=table, Item={"pk": {"S": k}, "d": {"S": "x" * (409601 - overhead)}})


def test_item_size_checked_before_table(client: Any) -> None:
    # PutItem checks the item size before looking up the table.
    with raises("ValidationException", "Item size has exceeded the maximum allowed size"):
        client.put_item(TableName=unique(), Item={"pk": {"S": "a"}, "d": {"S": "x" * 409600}})


def test_table_size_tracks_writes(client: Any) -> None:
    # TableSizeBytes follows puts, overwrites and deletes (item size formula).
    name = create_table(client)
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "123.45"}})  # 2+1 + 1+4
    client.put_item(TableName=name, Item={"pk": {"S": "b"}, "l": {"L": [{"S": "xy"}]}})  # 2+1 + 1+(3+1+2)
    assert client.describe_table(TableName=name)["Table"]["TableSizeBytes"] == 8 + 10
    client.put_item(TableName=name, Item={"pk": {"S": "a"}})
    client.delete_item(TableName=name, Key={"pk": {"S": "b"}})
    table = client.describe_table(TableName=name)["Table"]
    assert table["TableSizeBytes"] == 3 and table["ItemCount"] == 1
    client.delete_table(TableName=name)


# -- values ----------------------------------------------------------------------------------


def test_numbers_are_canonical(client: Any, table: str) -> None:
    # Numbers are stored and returned in canonical form.
    k = key()
    forms = {
        "a": "01.50",
        "b": "1e3",
        "c": "-0",
        "d": ".5",
        "e": "-.5",
        "f": "123e-2",
        "g": "1.5E2",
        "h": "+7",
    }
    client.put_item(TableName=table, Item={"pk": {"S": k}, **{n: {"N": v} for n, v in forms.items()}})
    item = client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"]
    assert {n: item[n]["N"] for n in forms} == {
        "a": "1.5",
        "b": "1000",
        "c": "0",
        "d": "0.5",
        "e": "-0.5",
        "f": "1.23",
        "g": "150",
        "h": "7",
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.2.3", "The parameter cannot be converted to a numeric value: 1.2.3"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        (" 5", "The parameter cannot be converted to a numeric value:  5"),
        ("", "The parameter cannot be converted to a numeric value"),
        ("1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        (
            "1e-131",
            "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        ),
        ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
    ],
)
def test_invalid_numbers(client: Any, table: str, value: str, message: str) -> None:
    # DynamoDB's number grammar, range and precision rules, with their messages.
    with raises("ValidationException", message):
        client.put_item(TableName=table, Item={"pk": {"S": key()}, "n": {"N": value}})


def test_number_limits_accepted(client: Any, table: str) -> None:
    # 38 significant digits and magnitudes 1E-130 .. 9.99..E+125 are accepted.
    k = key()
    values = ["9.9999999999999999999999999999999999999E+125", "1E-130", "-1E-130", "1" * 38, "1" + "0" * 100]
    client.put_item(
        TableName=table, Item={"pk": {"S": k}, **{f"n{i}": {"N": v} for i, v in enumerate(values)}}
    )
    item = client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"]
    assert item["n1"]["N"] == "0." + "0" * 129 + "1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
        ),
        (
            {"NULL": False},
            "1 validation error detected: "
            + OOMPVWI
            + "Null attribute value types must have the value of true",
        ),
        ({"SS": []}, "1 validation error detected: " + OOMPVWI + "An string set  may not be empty"),
        ({"NS": []}, "1 validation error detected: " + OOMPVWI + "An number set  may not be empty"),
        ({"BS": []}, "1 validation error detected: " + OOMPVWI + "Binary sets should not be empty"),
        (
            {"SS": ["a", "a"]},
            "1 validation error detected: " + OOMPVWI + "Input collection [a, a] contains duplicates.",
        ),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        (
            {"BS": [b"b", b"b"]},
            "1 validation error detected: "
            + OOMPVWI
            + "Input collection [Yg==, Yg==]of type BS contains duplicates.",
        ),
        (
            {"M": {"x": {"SS": []}}},
            "1 validation error detected: " + OOMPVWI + "An string set  may not be empty",
        ),
        ({"S": "a", "N": "x"}, "The parameter cannot be converted to a numeric value: x"),
    ],
)
def test_invalid_attribute_values(client: Any, table: str, value: dict[str, Any], message: str) -> None:
    # Structural value rules and their messages (PutItem wraps some in the 2026 envelope).
    with raises("ValidationException", message):
        client.put_item(TableName=table, Item={"pk": {"S": key()}, "v": value})


def test_value_errors_before_table_lookup(client: Any) -> None:
    # Invalid values are reported even when the table does not exist.
    with raises(
        "ValidationException", "1 validation error detected: " + OOMPVWI + "An string set  may not be empty"
    ):
        client.put_item(TableName=unique(), Item={"pk": {"S": "a"}, "v": {"SS": []}})


def test_nesting_limit(client: Any, table: str) -> None:
    # A top-level value may nest 31 maps; 32 are too deep.
    def nest(levels: int) -> dict[str, Any]:
        value: dict[str, Any] = {"S": "leaf"}
        for _ in range(levels):
            value = {"M": {"m": value}}
        return value

    client.put_item(TableName=table, Item={"pk": {"S": key()}, "deep": nest(31)})
    with raises(
        "ValidationException",
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit",
    ):
        client.put_item(TableName=table, Item={"pk": {"S": key()}, "deep": nest(32)})


def test_empty_values_allowed_outside_keys(client: Any, table: str) -> None:
    # Empty strings and binaries are fine for non-key attributes and inside sets and lists.
    k = key()
    item = {"pk": {"S": k}, "s": {"S": ""}, "b": {"B": b""}, "l": {"L": [{"S": ""}]}, "ss": {"SS": [""]}}
    client.put_item(TableName=table, Item=item)
    assert client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"] == item


def test_unicode_and_nul_strings(client: Any, table: str) -> None:
    # Strings may hold any Unicode, NUL included, in keys and values.
    k = "ключ\x00🙂" + key()
    client.put_item(TableName=table, Item={"pk": {"S": k}, "v": {"S": "a\x00b"}})
    assert client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"]["v"] == {"S": "a\x00b"}


def test_sets_round_trip_as_sets(client: Any, table: str) -> None:
    # Set members come back (in some order) canonical; NS members by value.
    k = key()
    client.put_item(TableName=table, Item={"pk": {"S": k}, "ns": {"NS": ["1.50", "2", "-3e0"]}})
    item = client.get_item(TableName=table, Key={"pk": {"S": k}})["Item"]
    assert sorted(item["ns"]["NS"]) == sorted(["1.5", "2", "-3"])
