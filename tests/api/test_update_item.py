"""UpdateItem: every action, ReturnValues mode, and the update error families."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers import raises

OOMPVWI = "One or more parameter values were invalid: "


def key() -> dict[str, Any]:
    return {"pk": {"S": uuid.uuid4().hex}}


def update(
    client: Any,
    table: str,
    k: dict[str, Any],
    expression: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    params: dict[str, Any] = {"TableName": table, "Key": k, "UpdateExpression": expression, **extra}
    if values:
        params["ExpressionAttributeValues"] = values
    if names:
        params["ExpressionAttributeNames"] = names
    return dict(client.update_item(**params))


def item(client: Any, table: str, k: dict[str, Any]) -> dict[str, Any] | None:
    return client.get_item(TableName=table, Key=k, ConsistentRead=True).get("Item")


N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731


def test_update_creates_item(client: Any, table: str) -> None:
    # UpdateItem on a missing item creates it from the key and the SET values.
    k = key()
    update(client, table, k, "SET a = :v", {":v": S("x")})
    assert item(client, table, k) == {**k, "a": S("x")}


def test_remove_only_does_not_create(client: Any, table: str) -> None:
    # An update that only removes does not create a missing item.
    k = key()
    response = update(client, table, k, "REMOVE a", ReturnValues="ALL_NEW")
    assert "Attributes" not in response and item(client, table, k) is None


def test_no_update_expression_creates_key_only_item(client: Any, table: str) -> None:
    # UpdateItem with just a key creates an item holding only the key.
    k = key()
    client.update_item(TableName=table, Key=k)
    assert item(client, table, k) == k


def test_set_nested_and_list_index(client: Any, table: str) -> None:
    # SET reaches into maps and lists; an index past the end appends.
    k = key()
    client.put_item(TableName=table, Item={**k, "m": {"M": {"l": {"L": [N(1), N(2)]}}}})
    update(
        client, table, k, "SET m.l[0] = :a, m.l[10] = :b, m.x = :c", {":a": N(9), ":b": N(3), ":c": S("c")}
    )
    assert item(client, table, k)["m"] == {"M": {"l": {"L": [N(9), N(2), N(3)]}, "x": S("c")}}


def test_set_evaluates_against_old_item(client: Any, table: str) -> None:
    # All right-hand sides see the item as it was (a swap works).
    k = key()
    client.put_item(TableName=table, Item={**k, "a": N(1), "b": N(2)})
    update(client, table, k, "SET a = b, b = a")
    assert item(client, table, k) == {**k, "a": N(2), "b": N(1)}


def test_arithmetic_and_functions(client: Any, table: str) -> None:
    # + and - on numbers, if_not_exists defaults, list_append concatenates.
    k = key()
    values = {":one": N(1), ":ten": N(10), ":zero": N(0), ":l": {"L": [S("z")]}, ":e": {"L": []}}
    update(
        client,
        table,
        k,
        "SET c = if_not_exists(c, :zero) + :one, d = :ten - :one, l = list_append(if_not_exists(l, :e), :l)",
        values,
    )
    del values[":e"]
    update(
        client,
        table,
        k,
        "SET c = if_not_exists(c, :zero) + :one, d = :ten - :one, l = list_append(:l, l)",
        values,
    )
    assert item(client, table, k) == {**k, "c": N(2), "d": N(9), "l": {"L": [S("z"), S("z")]}}


def test_arithmetic_precision(client: Any, table: str) -> None:
    # Arithmetic is exact to 38 digits; results are canonical.
    k = key()
    update(client, table, k, "SET a = :x + :y", {":x": N("0.1"), ":y": N("0.2")})
    assert item(client, table, k)["a"] == N("0.3")
    with raises(
        "ValidationException",
        "Number overflow. Attempting to store a number with magnitude larger than supported range",
    ):
        update(client, table, k, "SET a = :x + :x", {":x": N("9e125")})


def test_remove_list_elements_by_original_position(client: Any, table: str) -> None:
    # Several REMOVEs of list indexes refer to the original positions; missing indexes are ignored.
    k = key()
    client.put_item(
        TableName=table, Item={**k, "l": {"L": [N(0), N(1), N(2), N(3)]}, "m": {"M": {"a": N(1)}}}
    )
    update(client, table, k, "REMOVE l[1], l[3], l[9], m.a, m.nope, gone")
    assert item(client, table, k) == {**k, "l": {"L": [N(0), N(2)]}, "m": {"M": {}}}


def test_add_numbers_and_sets(client: Any, table: str) -> None:
    # ADD creates missing numbers and sets, adds to numbers, unions sets (numbers by value).
    k = key()
    update(
        client,
        table,
        k,
        "ADD n :five, s :ab, ns :nums",
        {":five": N(5), ":ab": {"SS": ["a", "b"]}, ":nums": {"NS": ["1", "2"]}},
    )
    update(
        client,
        table,
        k,
        "ADD n :five, s :bc, ns :more",
        {":five": N(5), ":bc": {"SS": ["b", "c"]}, ":more": {"NS": ["2.0", "3"]}},
    )
    got = item(client, table, k)
    assert got["n"] == N(10)
    assert sorted(got["s"]["SS"]) == ["a", "b", "c"]
    assert sorted(got["ns"]["NS"]) == ["1", "2", "3"]


def test_delete_from_sets(client: Any, table: str) -> None:
    # DELETE removes members; a set emptied this way disappears; a missing attribute is fine.
    k = key()
    client.put_item(TableName=table, Item={**k, "s": {"SS": ["a", "b"]}, "t": {"NS": ["1"]}})
    update(client, table, k, "DELETE s :a, t :one, absent :a", {":a": {"SS": ["a"]}, ":one": {"NS": ["1.0"]}})
    assert item(client, table, k) == {**k, "s": {"SS": ["b"]}}


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        (
            "SET a = absent + :one",
            {":one": N(1)},
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        (
            "SET a = s + :one",
            {":one": N(1)},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET a = list_append(s, :l)",
            {":l": {"L": []}},
            "An operand in the update expression has an incorrect data type",
        ),
        (
            "SET nope.x = :one",
            {":one": N(1)},
            "The document path provided in the update expression is invalid for update",
        ),
        (
            "SET s.x = :one",
            {":one": N(1)},
            "The document path provided in the update expression is invalid for update",
        ),
        ("ADD s :one", {":one": N(1)}, "An operand in the update expression has an incorrect data type"),
        (
            "DELETE s :set",
            {":set": {"NS": ["1"]}},
            "An operand in the update expression has an incorrect data type",
        ),
        ("REMOVE nope.x", None, "The document path provided in the update expression is invalid for update"),
    ],
)
def test_runtime_errors(
    client: Any, table: str, expression: str, values: dict[str, Any] | None, message: str
) -> None:
    # Errors that depend on the item's contents; the item is left unchanged.
    k = key()
    client.put_item(TableName=table, Item={**k, "s": S("text")})
    with raises("ValidationException", message):
        update(client, table, k, expression, values)
    assert item(client, table, k) == {**k, "s": S("text")}


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        (
            "SET a = :v, a = :w",
            {":v": N(1), ":w": N(2)},
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
        (
            "SET a.b = :v REMOVE a",
            {":v": N(1)},
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]",
        ),
        (
            "SET a.b = :v, a[1] = :w",
            {":v": N(1), ":w": N(2)},
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
        ),
        (
            "ADD a :s",
            {":s": S("x")},
            "Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
        ),
        (
            "DELETE a :n",
            {":n": N(1)},
            "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
        ),
        (
            "SET a = b + :s",
            {":s": S("x")},
            "Incorrect operand type for operator or function; operator or function: +, operand type: S",
        ),
        (
            "SET a = list_append(a, :s)",
            {":s": S("x")},
            "Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
        ),
        (
            "SET a = if_not_exists(:v, :v)",
            {":v": N(1)},
            "Operator or function requires a document path; operator or function: if_not_exists",
        ),
        ("SET a = size(b)", None, "The function is not allowed in an update expression; function: size"),
        ("SET a = nope(b)", None, "Invalid function name; function: nope"),
        (
            "SET a = list_append(:v)",
            {":v": {"L": []}},
            "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
        ),
        (
            "SET a = #missing",
            None,
            "An expression attribute name used in the document path is not defined; attribute name: #missing",
        ),
        (
            "SET a = :missing",
            None,
            "An expression attribute value used in expression is not defined; attribute value: :missing",
        ),
    ],
)
def test_expression_errors(
    client: Any, table: str, expression: str, values: dict[str, Any] | None, message: str
) -> None:
    # Static errors of UpdateExpression, with DynamoDB's messages (some in the 2026 envelope).
    envelope = "overlap" in message or "conflict" in message
    prefix = ("1 validation error detected: " if envelope else "") + "Invalid UpdateExpression: "
    with raises("ValidationException", prefix + message):
        update(client, table, key(), expression, values)


def test_key_attributes_cannot_be_updated(client: Any, table_hr: str) -> None:
    # Any action on a key attribute is refused; nested access to one too.
    k = {"pk": {"S": uuid.uuid4().hex}, "sk": N(1)}
    with raises(
        "ValidationException", OOMPVWI + "Cannot update attribute sk. This attribute is part of the key"
    ):
        update(client, table_hr, k, "SET sk = :v", {":v": N(2)})
    with raises(
        "ValidationException", OOMPVWI + "Cannot update attribute pk. This attribute is part of the key"
    ):
        update(client, table_hr, k, "REMOVE pk")
    with raises(
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
    ):
        update(client, table_hr, k, "SET pk.x = :v", {":v": N(2)})


def test_update_size_limit(client: Any, table: str) -> None:
    # An update that makes the item bigger than 400 KB is refused with its own message.
    k = key()
    client.put_item(TableName=table, Item={**k, "a": S("x" * 300000)})
    with raises("ValidationException", "Item size to update has exceeded the maximum allowed size"):
        update(client, table, k, "SET b = :v", {":v": S("y" * 200000)})


# -- ReturnValues ----------------------------------------------------------------------------


@pytest.fixture
def seeded(client: Any, table: str) -> dict[str, Any]:
    k = key()
    client.put_item(
        TableName=table,
        Item={
            **k,
            "a": N(1),
            "m": {"M": {"x": N(1), "y": N(2)}},
            "l": {"L": [S("p"), S("q")]},
            "gone": S("bye"),
        },
    )
    return k


def test_return_all_old_and_all_new(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # ALL_OLD is the whole item before; ALL_NEW the whole item after.
    before = item(client, table, seeded)
    response = update(client, table, seeded, "SET a = :v", {":v": N(2)}, ReturnValues="ALL_OLD")
    assert response["Attributes"] == before
    response = update(client, table, seeded, "SET a = :v", {":v": N(3)}, ReturnValues="ALL_NEW")
    assert response["Attributes"] == {**before, "a": N(3)}


def test_return_updated_old(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # UPDATED_OLD: old values of touched attributes that existed, nested parts kept in their hierarchy.
    response = update(
        client,
        table,
        seeded,
        "SET m.x = :v, l[1] = :w, fresh = :v REMOVE gone",
        {":v": N(9), ":w": S("z")},
        ReturnValues="UPDATED_OLD",
    )
    assert response["Attributes"] == {"m": {"M": {"x": N(1)}}, "l": {"L": [S("q")]}, "gone": S("bye")}


def test_return_updated_new(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # UPDATED_NEW: new values of set/added attributes; removed ones and keys are omitted.
    response = update(
        client,
        table,
        seeded,
        "SET m.x = :v, fresh = :v REMOVE gone ADD a :v",
        {":v": N(9)},
        ReturnValues="UPDATED_NEW",
    )
    assert response["Attributes"] == {"m": {"M": {"x": N(9)}}, "fresh": N(9), "a": N(10)}


def test_return_updated_new_on_created_item_excludes_key(client: Any, table: str) -> None:
    # Key attributes are never part of UPDATED_NEW, even when the update created the item.
    response = update(client, table, key(), "SET a = :v", {":v": N(1)}, ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"a": N(1)}


def test_return_updated_old_nothing_existed(client: Any, table: str) -> None:
    # UPDATED_OLD with nothing pre-existing returns no Attributes.
    response = update(client, table, key(), "SET a = :v", {":v": N(1)}, ReturnValues="UPDATED_OLD")
    assert "Attributes" not in response


def test_rewriting_same_value_counts_as_update(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # Setting an attribute to its current value still reports it.
    response = update(client, table, seeded, "SET a = :v", {":v": N(1)}, ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"a": N(1)}


def test_capacity(client: Any, table: str, seeded: dict[str, Any]) -> None:
    # UpdateItem costs 1 KB write units of the larger of the old and new item.
    response = update(
        client, table, seeded, "SET big = :v", {":v": S("x" * 3000)}, ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 3.0}
    response = update(client, table, seeded, "REMOVE big", ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["CapacityUnits"] == 3.0
