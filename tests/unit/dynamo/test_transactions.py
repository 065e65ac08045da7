"""Idempotency tokens over time, the expiring-record store behind them, and fingerprints."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import dynamo
from dynamo.fingerprint import fingerprint
from storage import expiring
from storage.store import Store
from tests.helpers import create_table, raises


def _bump(table: str) -> list[dict[str, Any]]:
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "a"}},
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
    ]


def test_token_expires_after_ten_minutes() -> None:
    # A token is honoured for 10 minutes; afterwards the same token is a new request.
    now = [1_000_000.0]
    with dynamo.connect(clock=lambda: now[0]) as client:
        create_table(client, name="tbl")
        client.transact_write_items(TransactItems=_bump("tbl"), ClientRequestToken="tok")
        now[0] += 599
        client.transact_write_items(TransactItems=_bump("tbl"), ClientRequestToken="tok")
        with raises("IdempotentParameterMismatchException"):
            client.transact_write_items(TransactItems=_bump("other"), ClientRequestToken="tok")
        assert client.get_item(TableName="tbl", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
        now[0] += 2
        client.transact_write_items(TransactItems=_bump("tbl"), ClientRequestToken="tok")
        assert client.get_item(TableName="tbl", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "2"}


def test_tokens_are_per_region() -> None:
    # The same token in another region is a different request.
    engine = dynamo.Engine()
    for region in ("us-east-1", "eu-west-1"):
        client = dynamo.Client(engine, region=region)
        create_table(client, name="tbl")
        client.transact_write_items(TransactItems=_bump("tbl"), ClientRequestToken="shared")
        assert client.get_item(TableName="tbl", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    engine.close()


def test_expired_records_are_swept(tmp_path: Any) -> None:
    # Each write deletes a few expired records, oldest first, so storage stays bounded.
    store = Store(tmp_path)
    for i in range(20):
        store.write(lambda view, i=i: view.remember(f"n{i}".encode(), b"v", expires=100.0 + i, now=0.0))
    with store.env.read() as txn:
        assert expiring.count(txn) == 20
        assert expiring.recall(txn, b"n5", 50.0) == b"v"
        assert expiring.recall(txn, b"n5", 105.0) is None  # expired, though not swept yet
    store.write(lambda view: view.remember(b"late", b"v", expires=10_000.0, now=1_000.0))
    with store.env.read() as txn:
        assert expiring.count(txn) == 20 + 1 - 8
        assert expiring.recall(txn, b"n0", 0.0) is None and expiring.recall(txn, b"n19", 0.0) == b"v"
    store.close()


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=4), _json, max_size=6))
def test_fingerprint_ignores_map_order(value: dict[str, Any]) -> None:
    # Reordering a map's entries does not change its fingerprint.
    assert fingerprint(value) == fingerprint(dict(reversed(list(value.items()))))


@given(_json, _json)
def test_fingerprint_distinguishes_values(a: Any, b: Any) -> None:
    # Different values have different fingerprints (up to digest collisions).
    if a != b:
        assert fingerprint(a) != fingerprint(b)


@given(
    st.sampled_from(["SS", "NS", "BS"]), st.lists(st.text(max_size=3), min_size=2, max_size=5, unique=True)
)
def test_fingerprint_ignores_set_order(tag: str, members: list[str]) -> None:
    # Set members are unordered: a set in another order is the same value.
    assert fingerprint({"a": {tag: members}}) == fingerprint({"a": {tag: list(reversed(members))}})
    assert fingerprint({"a": {"L": members}}) != fingerprint({"a": {"L": list(reversed(members))}})


def test_lone_surrogates_are_serialization_errors() -> None:
    # A Python string without a UTF-8 form (only possible embedded) is refused like malformed JSON.
    with dynamo.connect(parameter_validation=False) as client:
        create_table(client, name="tbl")
        item = {"Put": {"TableName": "tbl", "Item": {"pk": {"S": "a"}}}}
        with raises("SerializationException"):
            client.transact_write_items(TransactItems=[item], ClientRequestToken="\ud800")
        with raises("SerializationException"):
            client.get_item(
                TableName="tbl",
                Key={"pk": {"S": "a"}},
                ProjectionExpression="#\ud800",
                ExpressionAttributeNames={"#\ud800": "x"},
            )
        with raises("SerializationException"):
            client.put_item(
                TableName="tbl", Item={"pk": {"S": "a"}}, ConditionExpression="attribute_exists(\ud800)"
            )


def test_string_lengths_count_utf16_units() -> None:
    # Length constraints count Java (UTF-16) units: 36 emoji are 72 units, too long for a token.
    with dynamo.connect(parameter_validation=False) as client:
        create_table(client, name="tbl")
        item = {"Put": {"TableName": "tbl", "Item": {"pk": {"S": "a"}}}}
        client.transact_write_items(TransactItems=[item], ClientRequestToken="é" * 36)
        with raises("ValidationException", startswith="1 validation error detected: Value '"):
            client.transact_write_items(TransactItems=[item], ClientRequestToken="\U0001f600" * 36)
