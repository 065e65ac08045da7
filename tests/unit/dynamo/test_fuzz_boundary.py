"""Fuzzing the request boundary: arbitrary JSON never crashes dispatch or changes data."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamo import dispatch
from dynamo.engine import Engine, Settings
from dynamo.errors import DynamoError
from dynamo.operations import DYNAMODB, SERVICES
from dynamo.shapes import JSON, PYTHON

# Embedded callers can pass any Python str, lone surrogates included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
# Requests that look like DynamoDB requests (the right member names, random values).
ALL_OPERATIONS = sorted((service, name) for service, ops in SERVICES.items() for name in ops)
MEMBERS = sorted({n for ops in SERVICES.values() for op in ops.values() for n in op.request.members})
requests = st.dictionaries(st.sampled_from(MEMBERS), json_values, max_size=5)
attribute_values = st.dictionaries(
    st.sampled_from(["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL", "X"]), json_values, max_size=2
)
put_items = st.fixed_dictionaries(
    {"TableName": st.just("fuzz"), "Item": st.dictionaries(any_text, attribute_values, max_size=4)}
)


@pytest.fixture(scope="module")
def engine() -> Any:
    engine = Engine(settings=Settings(maintenance_interval=0))
    ctx = engine.context()
    dispatch.handle(
        ctx,
        "CreateTable",
        {
            "TableName": "fuzz",
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        },
    )
    yield engine
    engine.close()


def _only_client_errors(
    engine: Engine, operation: str, request: Any, mode: str, service: str = DYNAMODB
) -> None:
    try:
        dispatch.handle(engine.context(), operation, request, mode, service)
    except DynamoError as exc:
        assert exc.status == 400, (operation, request, exc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(ALL_OPERATIONS), requests, st.sampled_from([JSON, PYTHON]))
def test_random_requests_get_client_errors(
    engine: Engine, operation: tuple[str, str], request: Any, mode: str
) -> None:
    # Whatever a client sends, to either service, the answer is a success or a 400-class error, never a 500.
    service, name = operation
    if name in ("DeleteTable", "CreateTable") and request.get("TableName") == "fuzz":
        return
    _only_client_errors(engine, name, request, mode, service)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(put_items, st.sampled_from([JSON, PYTHON]))
def test_random_items(engine: Engine, request: Any, mode: str) -> None:
    # Random attribute values are either stored or refused with a DynamoDB error.
    _only_client_errors(engine, "PutItem", request, mode)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(json_values)
def test_random_documents(engine: Engine, document: Any) -> None:
    # Any JSON document as a request body is handled.
    _only_client_errors(engine, "GetItem", document, JSON)


VALID = {
    "CreateTable": {
        "TableName": "fuzz-create",
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]},
            }
        ],
        "Tags": [{"Key": "k", "Value": "v"}],
    },
    "UpdateItem": {
        "TableName": "fuzz",
        "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET #a = :v ADD n :one",
        "ConditionExpression": "attribute_not_exists(x) OR x = :v",
        "ExpressionAttributeNames": {"#a": "a"},
        "ExpressionAttributeValues": {
            ":v": {"M": {"l": {"L": [{"N": "1"}, {"SS": ["x"]}]}}},
            ":one": {"N": "1"},
        },
        "ReturnValues": "UPDATED_NEW",
    },
    "Query": {
        "TableName": "fuzz",
        "KeyConditionExpression": "pk = :p",
        "FilterExpression": "size(x) > :n",
        "ProjectionExpression": "pk, x[0].y",
        "ExpressionAttributeValues": {":p": {"S": "a"}, ":n": {"N": "1"}},
        "ExclusiveStartKey": {"pk": {"S": "a"}},
        "Limit": 5,
    },
    "BatchWriteItem": {
        "RequestItems": {
            "fuzz": [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "l": {"L": [{"N": "1"}]}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "c"}}}},
            ]
        },
        "ReturnConsumedCapacity": "INDEXES",
        "ReturnItemCollectionMetrics": "SIZE",
    },
    "BatchGetItem": {
        "RequestItems": {
            "fuzz": {
                "Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}],
                "ProjectionExpression": "#a, x[1]",
                "ExpressionAttributeNames": {"#a": "a"},
                "ConsistentRead": True,
            }
        },
        "ReturnConsumedCapacity": "TOTAL",
    },
    "TransactWriteItems": {
        "TransactItems": [
            {
                "ConditionCheck": {
                    "TableName": "fuzz",
                    "Key": {"pk": {"S": "a"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": "fuzz",
                    "Item": {"pk": {"S": "b"}, "m": {"M": {}}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Delete": {
                    "TableName": "fuzz",
                    "Key": {"pk": {"S": "c"}},
                    "ConditionExpression": "x <> :v",
                    "ExpressionAttributeValues": {":v": {"N": "1"}},
                }
            },
            {
                "Update": {
                    "TableName": "fuzz",
                    "Key": {"pk": {"S": "d"}},
                    "UpdateExpression": "SET #n = :n",
                    "ExpressionAttributeNames": {"#n": "n"},
                    "ExpressionAttributeValues": {":n": {"BS": ["AA=="]}},
                }
            },
        ],
        "ReturnConsumedCapacity": "TOTAL",
    },
    "TransactGetItems": {
        "TransactItems": [
            {"Get": {"TableName": "fuzz", "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "a.b"}},
            {"Get": {"TableName": "fuzz", "Key": {"pk": {"S": "b"}}}},
        ],
        "ReturnConsumedCapacity": "INDEXES",
    },
}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


def _replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = _replaced(node[path[0]], path[1:], value)
    return copy


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(VALID)), st.data(), json_values, st.sampled_from([JSON, PYTHON]))
def test_nested_mutations(engine: Engine, operation: str, data: Any, replacement: Any, mode: str) -> None:
    # A valid request with any one nested node replaced by arbitrary JSON gets a DynamoDB error, never a 500.
    request = VALID[operation]
    path = data.draw(st.sampled_from(_paths(request)[1:]))
    _only_client_errors(engine, operation, _replaced(request, path, replacement), mode)
    if operation == "CreateTable":
        with contextlib.suppress(DynamoError):
            dispatch.handle(engine.context(), "DeleteTable", {"TableName": "fuzz-create"}, JSON)
