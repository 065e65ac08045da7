"""The wire protocol, tested with raw HTTP requests (no SDK in between)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import zlib
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.helpers import unique

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261128/{region}/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc123"
)


class Raw:
    """Minimal HTTP/1.1 client that returns (status, headers, body bytes)."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80

    def request(
        self, method: str = "POST", body: bytes | str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        data = body.encode() if isinstance(body, str) else body
        connection.request(method, "/", body=data, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        result = response.status, {k.lower(): v for k, v in response.getheaders()}, payload
        connection.close()
        return result

    def call(
        self,
        operation: str | None,
        payload: Any,
        *,
        region: str = "us-east-1",
        extra: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Date": "20261128T000000Z",
            "Authorization": AUTH.format(region=region),
        }
        if operation is not None:
            headers["X-Amz-Target"] = f"DynamoDB_20120810.{operation}"
        headers.update(extra or {})
        body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        status, response_headers, data = self.request("POST", body, headers)
        return status, response_headers, json.loads(data) if data else None


@pytest.fixture(scope="module")
def raw(server_url: str) -> Raw:
    return Raw(server_url)


def test_every_response_has_crc_and_request_id(raw: Raw) -> None:
    # x-amz-crc32 is the CRC32 of the exact body (decimal); x-amzn-RequestId is 52 chars of [0-9A-Z].
    for operation, payload in (("ListTables", {}), ("DescribeTable", {"TableName": unique()})):
        _, headers, _ = raw.call(operation, payload)
        assert re.fullmatch(r"[0-9A-Z]{52}", headers["x-amzn-requestid"])
        assert headers["content-type"] == "application/x-amz-json-1.0"
    _status, headers, body = raw.request(
        "POST",
        json.dumps({}),
        {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)


def test_health_check(raw: Raw) -> None:
    # GET answers 200 with DynamoDB's health line (note the trailing space).
    status, headers, body = raw.request("GET")
    assert status == 200
    assert body == b"healthy: dynamodb.us-east-1.amazonaws.com "
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)


def test_unknown_operation(raw: Raw) -> None:
    # A missing or unknown target is UnknownOperationException without a message.
    for operation in (None, "Frobnicate"):
        status, _, body = raw.call(operation, {})
        assert status == 400
        assert body == {"__type": "com.amazon.coral.service#UnknownOperationException"}


def test_unparseable_json(raw: Raw) -> None:
    # Invalid JSON is a SerializationException with no message at all.
    status, _, body = raw.call("ListTables", "{not json")
    assert (status, body) == (400, {"__type": "com.amazon.coral.service#SerializationException"})


def test_empty_body(raw: Raw) -> None:
    # An empty body with a valid target is a SerializationException.
    status, _, body = raw.call("ListTables", "")
    assert (status, body) == (400, {"__type": "com.amazon.coral.service#SerializationException"})


def test_missing_authentication(raw: Raw) -> None:
    # Requests without SigV4 authorization are refused.
    status, _, body = raw.call("ListTables", {}, extra={"Authorization": ""})
    assert status == 400
    assert body == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token",
    }


def test_incomplete_signature(raw: Raw) -> None:
    # An authorization header missing its parts lists each one, then echoes the header.
    header = "AWS4-HMAC-SHA256 Credential=a/b/c/d/e"
    _status, _, body = raw.call("ListTables", {}, extra={"Authorization": header})
    assert body["__type"] == "com.amazon.coral.service#IncompleteSignatureException"
    assert body["message"] == (
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
        f"parameter. Authorization={header}"
    )


def test_wrong_content_type(raw: Raw) -> None:
    # A body with an unsupported content type is a 404 with an XML body.
    status, headers, body = raw.request(
        "POST",
        "{}",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    assert status == 404 and body == b"<UnknownOperationException/>\n"
    assert headers["x-amz-crc32"] == "3552371480"


def test_json_content_type_is_echoed(raw: Raw) -> None:
    # application/json is accepted and echoed back.
    _, headers, body = raw.call("ListTables", {}, extra={"Content-Type": "application/json; charset=utf-8"})
    assert headers["content-type"] == "application/json" and "TableNames" in body


def test_body_over_16_mib(raw: Raw) -> None:
    # Request bodies over 16 MiB are refused with 413.
    status, _, _ = raw.request(
        "POST", b"x" * (16 * 1024 * 1024 + 1), {"Content-Type": "application/x-amz-json-1.0"}
    )
    assert status == 413


def test_required_parameter(raw: Raw) -> None:
    # A missing required member is reported alone, by its wire name.
    _status, _, body = raw.call("DescribeTable", {})
    assert body == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": "The parameter 'TableName' is required but was not present in the request",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"TableName": 5}, "NUMBER_VALUE cannot be converted to String"),
        ({"TableName": 5.5}, "DECIMAL_VALUE cannot be converted to String"),
        ({"TableName": True}, "TRUE_VALUE cannot be converted to String"),
        ({"TableName": []}, "Unrecognized collection type class java.lang.String"),
        ({"TableName": {}}, "Start of structure or map found where not expected"),
        (
            {"TableName": "t", "Key": []},
            "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
        ),
        ({"TableName": "t", "Key": "x"}, "Unexpected field type"),
        ({"TableName": "t", "Key": {"pk": "x"}}, "Unexpected value type in payload"),
        ({"TableName": "t", "Key": {"pk": {"N": 123}}}, "NUMBER_VALUE cannot be converted to String"),
        (
            {"TableName": "t", "Key": {"pk": {"B": "abc"}}},
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3",
        ),
        ({"TableName": "t", "Key": {"pk": {"B": "+/+="}}}, "Invalid last non-pad Base64 character dectected"),
        (
            {"TableName": "t", "Key": {"pk": {"B": 1}}},
            "only base-64-encoded strings are convertible to bytes",
        ),
        ({"TableName": "t", "Key": {"pk": {"BOOL": "true"}}}, "Unexpected token received from parser"),
        ({"TableName": "t", "Key": {"pk": {"SS": "a"}}}, "Unexpected field type"),
        ({"TableName": "t", "Key": {}, "ConsistentRead": 1}, "NUMBER_VALUE cannot be converted to Boolean"),
    ],
)
def test_serialization_errors(raw: Raw, payload: dict[str, Any], message: str) -> None:
    # Wrong JSON types give SerializationException with DynamoDB's Java messages (capital Message).
    status, _, body = raw.call("GetItem", payload)
    assert status == 400
    assert body == {"__type": "com.amazon.coral.service#SerializationException", "Message": message}


def test_serialization_beats_validation(raw: Raw) -> None:
    # A type error anywhere wins over constraint and value errors elsewhere.
    _status, _, body = raw.call("PutItem", {"TableName": "", "Item": {"a": {"SS": []}, "b": {"S": 1}}})
    assert body["__type"] == "com.amazon.coral.service#SerializationException"


def test_unknown_members_and_nulls_are_ignored(raw: Raw) -> None:
    # Unknown members are dropped and null members count as absent.
    status, _, body = raw.call("ListTables", {"Bogus": 1, "Limit": None, "ExclusiveStartTableName": None})
    assert status == 200 and "TableNames" in body


def test_regions_are_separate_namespaces(raw: Raw) -> None:
    # The credential scope's region selects the table namespace.
    name = unique()
    create = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    status, _, body = raw.call("CreateTable", create, region="eu-west-1")
    assert status == 200 and ":eu-west-1:" in body["TableDescription"]["TableArn"]
    assert name in raw.call("ListTables", {}, region="eu-west-1")[2]["TableNames"]
    assert name not in raw.call("ListTables", {}, region="us-east-1")[2]["TableNames"]
    raw.call("DeleteTable", {"TableName": name}, region="eu-west-1")


def test_gzip_request_and_response(raw: Raw) -> None:
    # Gzip request bodies are accepted; responses over 4 KB are gzipped for clients that accept it,
    # and the CRC covers the compressed bytes.
    body = gzip.compress(json.dumps({}).encode())
    status, _, decoded = raw.call("ListTables", body, extra={"Content-Encoding": "gzip"})
    assert status == 200 and "TableNames" in decoded
    name = unique()
    raw.call(
        "CreateTable",
        {
            "TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    item = {"pk": {"S": "k"}, "big": {"S": "y" * 10000}}
    raw.call("PutItem", {"TableName": name, "Item": item})
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
        "X-Amz-Date": "20261128T000000Z",
        "Authorization": AUTH.format(region="us-east-1"),
        "Accept-Encoding": "gzip",
    }
    status, response_headers, data = raw.request(
        "POST", json.dumps({"TableName": name, "Key": {"pk": {"S": "k"}}}), headers
    )
    assert response_headers["content-encoding"] == "gzip"
    assert int(response_headers["x-amz-crc32"]) == zlib.crc32(data)
    assert json.loads(gzip.decompress(data)) == {"Item": item}
    raw.call("DeleteTable", {"TableName": name})


def test_cors(raw: Raw) -> None:
    # Requests with Origin get CORS headers; preflights are answered.
    status, headers, _ = raw.request(
        "OPTIONS",
        None,
        {
            "Origin": "http://example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-amz-target",
        },
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "POST"
    assert headers["access-control-allow-headers"] == "x-amz-target"
    assert headers["access-control-max-age"] == "172800"


def test_other_methods_are_unknown(raw: Raw) -> None:
    # Methods other than POST/GET are UnknownOperation (404, XML body).
    status, _, body = raw.request("PUT", "{}", {"Content-Type": "application/x-amz-json-1.0"})
    assert status == 404 and body == b"<UnknownOperationException/>\n"


def test_binary_values_are_base64_on_the_wire(raw: Raw) -> None:
    # B values travel as base64 text in both directions.
    name = unique()
    raw.call(
        "CreateTable",
        {
            "TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "B"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    raw.call("PutItem", {"TableName": name, "Item": {"pk": {"B": "AAEC"}, "bs": {"BS": ["/w=="]}}})
    _, _, body = raw.call("GetItem", {"TableName": name, "Key": {"pk": {"B": "AAEC"}}})
    assert body == {"Item": {"pk": {"B": "AAEC"}, "bs": {"BS": ["/w=="]}}}
    raw.call("DeleteTable", {"TableName": name})


def test_gzip_bomb_is_refused(raw: Raw) -> None:
    # A gzip body is limited to 16 MiB once decompressed, not just as sent.
    bomb = gzip.compress(b"{" + b" " * (17 * 1024 * 1024) + b"}")
    status, _, _ = raw.request(
        "POST",
        bomb,
        {
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Encoding": "gzip",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "X-Amz-Date": "20261128T000000Z",
            "Authorization": AUTH.format(region="us-east-1"),
        },
    )
    assert status == 413


def test_chunked_body_over_16_mib(server_url: str) -> None:
    # The 16 MiB limit also holds for chunked bodies without a Content-Length.
    parsed = urlparse(server_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    chunks = (b"x" * (1024 * 1024) for _ in range(17))
    connection.request(
        "POST", "/", body=chunks, headers={"Content-Type": "application/x-amz-json-1.0"}, encode_chunked=True
    )
    assert connection.getresponse().status == 413
    connection.close()


def test_constraint_errors_in_declared_order(raw: Raw) -> None:
    # Constraint errors are listed in DynamoDB's member order, whatever the order in the request.
    _status, _, body = raw.call("ListTables", {"ExclusiveStartTableName": "a;", "Limit": 500})
    assert body["message"].startswith("3 validation errors detected: Value '500' at 'limit'")


def test_null_list_members(raw: Raw) -> None:
    # A null inside a list is a "must not be null" constraint error at that member's path.
    status, _, body = raw.call(
        "CreateTable",
        {
            "TableName": "abc",
            "KeySchema": [None],
            "AttributeDefinitions": [None],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    assert status == 400
    assert body["message"] == (
        "2 validation errors detected: Value null at 'attributeDefinitions.1.member' failed to satisfy constraint: "
        "Member must not be null; Value null at 'keySchema.1.member' failed to satisfy constraint: Member must not be null"
    )


def test_invalid_region(raw: Raw) -> None:
    # The credential scope must name a plausible region.
    _status, _, body = raw.call("ListTables", {}, region="NOT_A_REGION")
    assert body == {
        "__type": "com.amazon.coral.service#InvalidSignatureException",
        "message": "Credential should be scoped to a valid region, not 'NOT_A_REGION'. ",
    }


def test_deep_nesting_is_a_validation_error(raw: Raw) -> None:
    # Values nested far past the limit are refused with the nesting message, not a crash.
    levels = 480  # ~960 JSON levels: under orjson's limit, far over DynamoDB's
    deep = '{"L":[' * levels + '{"S":"leaf"}' + "]}" * levels
    body_text = '{"TableName":"abc","Item":{"pk":{"S":"a"},"deep":' + deep + "}}"
    status, _, body = raw.call("PutItem", body_text)
    assert status == 400 and "Nesting Levels have exceeded supported limits" in body["message"]
