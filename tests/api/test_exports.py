"""Exports to S3: ExportTableToPointInTime, DescribeExport, ListExports, and the files.

Buckets are folders of the session's local S3 directory (the ``bucket`` fixture), so the
tests read what an export wrote exactly as a tool reading a real export would.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
from decimal import Decimal
from typing import Any

import pytest
from amazon.ion import simpleion

from tests.helpers import create_table, raises, unique, wait_until_done

ACCOUNT = "000000000000"
# Every attribute type, with the awkward values: big and tiny numbers, empty strings and
# binaries, nested and empty documents.
EVERY_TYPE: dict[str, Any] = {
    "pk": {"S": "every-type"},
    "s": {"S": 'héllo "quoted" \n line'},
    "empty_s": {"S": ""},
    "n": {"N": "-12.5"},
    "big": {"N": "9.9999999999999999999999999999999999999E+125"},
    "tiny": {"N": "1E-130"},
    "long": {"N": "12345678901234567890123456789012345678"},
    "b": {"B": b"\x00\xffbinary"},
    "empty_b": {"B": b""},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5", "-3"]},
    "bs": {"BS": [b"\x01", b"\x02"]},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "null": {"NULL": True},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}, {"M": {}}, {"NULL": True}]},
    "m": {"M": {"inner": {"M": {"deep": {"SS": ["z"]}}}, "": {"S": "empty name inside a map"}}},
}
SUMMARY_KEYS = [
    "version",
    "exportArn",
    "startTime",
    "endTime",
    "tableArn",
    "tableId",
    "exportTime",
    "s3Bucket",
    "s3Prefix",
    "s3SseAlgorithm",
    "s3SseKmsKeyId",
    "manifestFilesS3Key",
    "billedSizeBytes",
    "itemCount",
    "outputFormat",
]


def pitr_table(client: Any, items: list[dict[str, Any]]) -> tuple[str, str]:
    """A new table with PITR on, holding ``items``: (name, ARN)."""
    name = create_table(client)
    client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    for item in items:
        client.put_item(TableName=name, Item=item)
    return name, client.describe_table(TableName=name)["Table"]["TableArn"]


def export(client: Any, table_arn: str, bucket: str, **extra: Any) -> dict[str, Any]:
    """Start an export and wait for it: its final description."""
    started = client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, **extra)
    arn = started["ExportDescription"]["ExportArn"]
    return wait_until_done(lambda: client.describe_export(ExportArn=arn)["ExportDescription"])


def read(s3_dir: str, bucket: str, key: str) -> bytes:
    with open(os.path.join(s3_dir, bucket, key), "rb") as f:
        return f.read()


def test_export_writes_dynamodb_layout(client: Any, bucket: str, s3_dir: str) -> None:
    # A full export writes _started, gzip data files, manifest-files/-summary and their .md5, as DynamoDB does.
    items = [EVERY_TYPE, *({"pk": {"S": f"k{i}"}, "v": {"N": str(i)}} for i in range(5))]
    name, table_arn = pitr_table(client, items)
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="exports/daily", ExportFormat="DYNAMODB_JSON"
    )["ExportDescription"]
    arn = started["ExportArn"]
    assert re.fullmatch(rf"{re.escape(table_arn)}/export/\d{{14}}-[0-9a-f]{{8}}", arn)
    assert started["ExportStatus"] == "IN_PROGRESS" and "ExportType" not in started
    assert not {"ItemCount", "BilledSizeBytes", "EndTime", "ExportManifest"} & set(started)
    done = wait_until_done(lambda: client.describe_export(ExportArn=arn)["ExportDescription"])
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 6
    assert done["S3Prefix"] == "exports/daily" and done["S3SseAlgorithm"] == "AES256"
    export_id = arn.rpartition("/")[2]
    folder = f"exports/daily/AWSDynamoDB/{export_id}"
    assert done["ExportManifest"] == f"{folder}/manifest-summary.json"
    assert read(s3_dir, bucket, f"{folder}/_started") == b""

    summary_bytes = read(s3_dir, bucket, f"{folder}/manifest-summary.json")
    summary = json.loads(summary_bytes)
    assert list(summary) == SUMMARY_KEYS and not summary_bytes.endswith(b"\n")
    assert summary["version"] == "2020-06-30" and summary["exportArn"] == arn
    assert summary["s3SseKmsKeyId"] is None and summary["itemCount"] == 6
    assert summary["manifestFilesS3Key"] == f"{folder}/manifest-files.json"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", summary["exportTime"])
    files_bytes = read(s3_dir, bucket, f"{folder}/manifest-files.json")
    for document, key in ((summary_bytes, "manifest-summary"), (files_bytes, "manifest-files")):
        assert read(s3_dir, bucket, f"{folder}/{key}.md5") == base64.b64encode(hashlib.md5(document).digest())

    lines = files_bytes.decode().split("\n")
    assert lines[-1] == ""  # every manifest line ends in a newline, the last too
    entries = [json.loads(line) for line in lines[:-1]]
    assert [list(e) for e in entries] == [["itemCount", "md5Checksum", "etag", "dataFileS3Key"]] * len(
        entries
    )
    seen = []
    for entry in entries:
        assert re.fullmatch(rf"{folder}/data/[a-z2-7]{{26}}\.json\.gz", entry["dataFileS3Key"])
        data = read(s3_dir, bucket, entry["dataFileS3Key"])
        digest = hashlib.md5(data).digest()
        assert entry["md5Checksum"] == base64.b64encode(digest).decode()
        assert entry["etag"] == hashlib.md5(digest).hexdigest() + "-1"  # one-part multipart upload
        text = gzip.decompress(data)
        assert text.endswith(b"\n") or text == b""
        seen += [json.loads(line) for line in text.splitlines()]
    assert sum(e["itemCount"] for e in entries) == 6
    by_key = {line["Item"]["pk"]["S"]: line for line in seen}
    stored = client.get_item(TableName=name, Key={"pk": {"S": "every-type"}})["Item"]  # numbers canonical
    wire = json.loads(json.dumps(stored, default=lambda b: base64.b64encode(b).decode()))
    assert by_key["every-type"] == {"Item": wire}
    client.delete_table(TableName=name)


def test_ion_export_lines_parse_with_simpleion(client: Any, bucket: str, s3_dir: str) -> None:
    # An ION export is one "$ion_1_0 {Item:{...}}" per line, sets annotated $dynamodb_SS/NS/BS, numbers as decimals.
    name, table_arn = pitr_table(client, [EVERY_TYPE])
    done = export(client, table_arn, bucket, ExportFormat="ION")
    assert done["ExportStatus"] == "COMPLETED" and done["ExportFormat"] == "ION"
    (entry,) = [
        json.loads(x)
        for x in read(s3_dir, bucket, done["ExportManifest"].replace("summary", "files")).splitlines()
    ]
    assert entry["dataFileS3Key"].endswith(".ion.gz")
    (line,) = gzip.decompress(read(s3_dir, bucket, entry["dataFileS3Key"])).decode().splitlines()
    assert line.startswith("$ion_1_0 {Item:{")
    item = simpleion.loads(line)["Item"]
    assert [a.text for a in item["ss"].ion_annotations] == ["$dynamodb_SS"]
    assert [a.text for a in item["ns"].ion_annotations] == ["$dynamodb_NS"]
    assert [a.text for a in item["bs"].ion_annotations] == ["$dynamodb_BS"]
    assert item["n"].ion_type.name == "DECIMAL" and item["n"] == Decimal("-12.5")
    # All 38 digits, trailing zeros moved into the exponent (as DynamoDB writes 600 as 6d2).
    assert item["big"] == Decimal("9.9999999999999999999999999999999999999E+125")
    assert item["big"].as_tuple().exponent == 88
    assert item["b"].ion_type.name == "BLOB" and bytes(item["b"]) == b"\x00\xffbinary"
    assert (item["t"].ion_type.name, bool(item["t"]), bool(item["f"])) == ("BOOL", True, False)
    assert item["null"] is None or item["null"].ion_type.name == "NULL"
    client.delete_table(TableName=name)


@pytest.mark.parametrize("fmt", ["DYNAMODB_JSON", "ION"])
def test_export_imports_back_identically(client: Any, bucket: str, fmt: str) -> None:
    # An export imported with ImportTable gives the same items, every type intact.
    items = [
        EVERY_TYPE,
        *({"pk": {"S": f"k{i}"}, "v": {"N": str(i)}, "x": {"S": "y" * i}} for i in range(50)),
    ]
    name, table_arn = pitr_table(client, items)
    done = export(client, table_arn, bucket, ExportFormat=fmt)
    folder = done["ExportManifest"].rpartition("/")[0]
    target = unique("imported")
    started = client.import_table(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": f"{folder}/data/"},
        InputFormat=fmt,
        InputCompressionType="GZIP",
        TableCreationParameters={
            "TableName": target,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )["ImportTableDescription"]
    finished = wait_until_done(
        lambda: client.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    )
    assert finished["ImportStatus"] == "COMPLETED", finished
    assert finished["ImportedItemCount"] == finished["ProcessedItemCount"] == len(items)

    def everything(table: str) -> dict[str, Any]:
        return {i["pk"]["S"]: i for i in client.scan(TableName=table)["Items"]}

    assert everything(target) == everything(name)
    for table in (name, target):
        client.delete_table(TableName=table)


def test_export_request_errors(client: Any, bucket: str) -> None:
    # Bad ARNs, missing tables, tables without PITR and future times get DynamoDB's errors.
    name = create_table(client)
    table_arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    with raises(
        "ValidationException", "One or more parameter values were invalid: tableArn is not a valid ARN"
    ):
        client.export_table_to_point_in_time(TableArn=name, S3Bucket=bucket)
    with raises("ValidationException", "Invalid Request: Table ARN is invalid."):
        client.export_table_to_point_in_time(TableArn=f"{table_arn}/index/gsi", S3Bucket=bucket)
    missing = f"{table_arn}-missing"
    with raises("TableNotFoundException", f"Table not found: {missing}"):
        client.export_table_to_point_in_time(TableArn=missing, S3Bucket=bucket)
    with raises(
        "PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{name}'"
    ):
        client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket)
    client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    with raises("InvalidExportTimeException", "Export Time is invalid"):
        client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, ExportTime=4_000_000_000)
    with raises(
        "ValidationException",
        "1 validation error detected: Value '' at 's3Prefix' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ):
        client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, S3Prefix="")
    with raises(
        "ValidationException", "Invalid Request: KMS Key Id is not supported for this encryption type"
    ):
        client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, S3SseKmsKeyId="key")
    with raises(
        "ValidationException",
        "Invalid Request: Incremental Export Specification expected when export type is set as Incremental Export",
    ):
        client.export_table_to_point_in_time(
            TableArn=table_arn, S3Bucket=bucket, ExportType="INCREMENTAL_EXPORT"
        )
    client.delete_table(TableName=name)


def test_client_token_idempotency(client: Any, bucket: str) -> None:
    # The same ClientToken returns the same export; with any other parameter it is ExportConflictException.
    name, table_arn = pitr_table(client, [{"pk": {"S": "a"}}])
    token = unique("token")
    first = client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, ClientToken=token)
    again = client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket, ClientToken=token)
    assert again["ExportDescription"]["ExportArn"] == first["ExportDescription"]["ExportArn"]
    with raises(
        "ExportConflictException", "Export conflict: Duplicate request detected with conflicting parameters"
    ):
        client.export_table_to_point_in_time(
            TableArn=table_arn, S3Bucket=bucket, ClientToken=token, ExportFormat="ION"
        )
    wait_until_done(
        lambda: client.describe_export(ExportArn=first["ExportDescription"]["ExportArn"])["ExportDescription"]
    )
    client.delete_table(TableName=name)


def test_missing_bucket_fails_the_export(client: Any) -> None:
    # An export to a bucket that does not exist is accepted, then FAILED with S3NoSuchBucket.
    name, table_arn = pitr_table(client, [{"pk": {"S": "a"}}])
    done = export(client, table_arn, unique("no-such-bucket"))
    assert done["ExportStatus"] == "FAILED" and done["FailureCode"] == "S3NoSuchBucket"
    assert done["FailureMessage"].startswith(
        "The specified bucket does not exist (Service: Amazon S3; Status Code: 404"
    )
    assert "ItemCount" not in done and "ExportManifest" not in done
    client.delete_table(TableName=name)


def test_describe_export_errors(client: Any) -> None:
    # DescribeExport: a non-export ARN is invalid, a foreign account denied, an unknown export not found.
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/some-table"
    with raises("ValidationException", "Invalid Export ARN"):
        client.describe_export(ExportArn=table_arn + "/stream/2026-01-01T00:00:00.000")
    with raises("AccessDeniedException", "Access is denied"):
        client.describe_export(
            ExportArn="arn:aws:dynamodb:us-east-1:123456789012:table/some-table/export/01800000000000-abcdef12"
        )
    unknown = f"{table_arn}/export/01800000000000-abcdef12"
    with raises("ExportNotFoundException", f"Export not found: Export not found: {unknown}"):
        client.describe_export(ExportArn=unknown)


def test_list_exports_pages_newest_first(client: Any, bucket: str) -> None:
    # ListExports shows a table's exports newest first, MaxResults to a page, with a NextToken to go on.
    name, table_arn = pitr_table(client, [{"pk": {"S": "a"}}])
    arns = [export(client, table_arn, bucket)["ExportArn"] for _ in range(3)]
    first = client.list_exports(TableArn=table_arn, MaxResults=2)
    assert [s["ExportArn"] for s in first["ExportSummaries"]] == arns[::-1][:2]
    assert first["ExportSummaries"][0] == {
        "ExportArn": arns[2],
        "ExportStatus": "COMPLETED",
        "ExportType": "FULL_EXPORT",
    }
    assert re.fullmatch(r"([0-9a-f]{16})+", first["NextToken"]) and len(first["NextToken"]) >= 112
    rest = client.list_exports(TableArn=table_arn, MaxResults=2, NextToken=first["NextToken"])
    assert [s["ExportArn"] for s in rest["ExportSummaries"]] == [arns[0]] and "NextToken" not in rest
    with raises("ValidationException", "Invalid Request: Provided nextToken is invalid: 00"):
        client.list_exports(NextToken="00")
    client.delete_table(TableName=name)
