"""The compiled client-side checks agree with botocore's validator on every input."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from hypothesis import given, settings
from hypothesis import strategies as st

from dynamo.client import service_model
from dynamo.client_checks import accepts
from tests.unit.dynamo.test_fuzz_boundary import VALID, _paths, _replaced

MODEL = service_model()
OPERATIONS = sorted(MODEL.operation_names)
python_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3)
    | st.binary(max_size=3)
    | st.datetimes()
    | st.just("2026-11-28T00:00:00Z"),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(
            st.sampled_from(["S", "N", "B", "L", "M", "Key", "Item", "TableName", "x"]), children, max_size=3
        )
    ),
    max_leaves=12,
)


def botocore_accepts(operation: str, params: Any) -> bool:
    try:
        validate_parameters(params, MODEL.operation_model(operation).input_shape)
    except ParamValidationError:
        return False
    return True


def agree(operation: str, params: Any) -> None:
    assert accepts(MODEL.operation_model(operation))(params) == botocore_accepts(operation, params), params


@settings(max_examples=400)
@given(
    st.sampled_from(OPERATIONS),
    st.dictionaries(
        st.sampled_from(["TableName", "Key", "Item", "Limit", "RequestItems", "TransactItems", "x"]),
        python_values,
        max_size=3,
    ),
)
def test_random_parameters(operation: str, params: dict[str, Any]) -> None:
    # Whatever the parameters, the fast check accepts exactly what botocore accepts.
    agree(operation, params)


@settings(max_examples=400)
@given(st.sampled_from(sorted(VALID)), st.data(), python_values)
def test_mutated_valid_requests(operation: str, data: Any, replacement: Any) -> None:
    # A valid request with one nested node replaced: the fast check agrees with botocore.
    request = VALID[operation]
    agree(operation, request)
    path = data.draw(st.sampled_from(_paths(request)[1:]))
    agree(operation, _replaced(request, path, replacement))


def test_examples() -> None:
    # Known cases: unions, minimums, timestamps, blobs and numbers as botocore types them.
    agree("GetItem", {"TableName": "t", "Key": {"pk": {"S": "a", "N": "1"}}})
    agree("GetItem", {"TableName": "t", "Key": {"pk": {}}})
    agree("GetItem", {"TableName": "", "Key": {}})
    agree("Scan", {"TableName": "t", "Limit": 0})
    agree("Scan", {"TableName": "t", "Limit": True})
    agree("PutItem", {"TableName": "t", "Item": {"b": {"B": bytearray(b"x")}}})
    agree("PutItem", {"TableName": "t", "Item": {"b": {"BS": (b"x", "y")}}})
    agree(
        "RestoreTableToPointInTime",
        {"TargetTableName": "t", "RestoreDateTime": datetime.datetime(2026, 1, 1)},
    )
    agree("RestoreTableToPointInTime", {"TargetTableName": "t", "RestoreDateTime": "not a date"})
    agree(
        "UpdateTable",
        {
            "TableName": "t",
            "ProvisionedThroughput": {"ReadCapacityUnits": decimal.Decimal(1), "WriteCapacityUnits": 1},
        },
    )
