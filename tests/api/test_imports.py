"""Imports from S3: ImportTable, DescribeImport, ListImports.

Source objects are written into a bucket folder of the session's local S3 directory.
"""

from __future__ import annotations

import gzip
import os
import re
from typing import Any

import pytest
import zstandard

from tests.helpers import raises, unique, wait_until_done

ACCOUNT = "000000000000"


def put(s3_dir: str, bucket: str, key: str, body: bytes) -> None:
    path = os.path.join(s3_dir, bucket, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(body)


def parameters(name: str, *, sort: tuple[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """TableCreationParameters of an on-demand table keyed on ``pk`` (S)."""
    keys = [("pk", "S"), *([sort] if sort else [])]
    out: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [
            {"AttributeName": n, "KeyType": k} for (n, _), k in zip(keys, ("HASH", "RANGE"), strict=False)
        ],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }
    out.update(extra)
    return out


def run_import(
    client: Any, bucket: str, prefix: str, fmt: str, table: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    started = client.import_table(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": prefix},
        InputFormat=fmt,
        TableCreationParameters=table,
        **extra,
    )["ImportTableDescription"]
    return wait_until_done(
        lambda: client.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    )


def items_of(client: Any, table: str) -> dict[str, dict[str, Any]]:
    return {i["pk"]["S"]: i for i in client.scan(TableName=table)["Items"]}


def test_import_json_counts_errors_and_keeps_valid_items(client: Any, bucket: str, s3_dir: str) -> None:
    # Bad items are errors and skipped; an unreadable line ends its file; valid items land; FAILED ItemValidationError.
    put(
        s3_dir,
        bucket,
        "in/a.json",
        b'{"Item":{"pk":{"S":"a1"},"n":{"N":"1"}}}\n'
        b"\n"  # blank lines are not items
        b'{"Item":{"pk":{"S":"a2"}}}{"Item":{"pk":{"S":"a3"}}}\n'  # objects run together on one line
        b'{"Item":{"pk":{"N":"5"}}}\n'  # wrong key type
        b'{"Item":{"other":{"S":"x"}}}\n'  # missing key
        b'{"Item":{"pk":{"S":"a1"},"n":{"N":"2"}}}\n'  # a duplicate key is a write like any other
        b"not json\n"  # unreadable: the rest of this file is abandoned
        b'{"Item":{"pk":{"S":"never"}}}\n',
    )
    put(s3_dir, bucket, "in/b.json", b'{"Item":{"pk":{"S":"b1"}}}\n')
    table = unique("json-import")
    done = run_import(client, bucket, "in/", "DYNAMODB_JSON", parameters(table))
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "ItemValidationError"
    assert done["FailureMessage"] == (
        "Some of the items failed validation checks and were not imported. "
        "Please check CloudWatch error logs for more details."
    )
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (8, 5, 3)
    assert done["ProcessedSizeBytes"] > 0 and "EndTime" in done
    assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    found = items_of(client, table)
    assert sorted(found) == ["a1", "a2", "a3", "b1"] and found["a1"]["n"] == {"N": "2"}
    client.delete_table(TableName=table)


def test_import_csv_types_key_columns_only(client: Any, bucket: str, s3_dir: str) -> None:
    # CSV: key columns of the table and its GSIs get their types, other columns are S, empty cells are left out.
    put(
        s3_dir,
        bucket,
        "csv/items.csv",
        b'pk,sk,g,note\nu1,1,10,"hello, ""world"""\nu2,2,,\n,3,1,missing key\nu4,x,1,bad number\n',
    )
    table = unique("csv-import")
    gsi = {
        "IndexName": "by-g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    request = parameters(table, sort=("sk", "N"), GlobalSecondaryIndexes=[gsi])
    request["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "N"})
    done = run_import(client, bucket, "csv/", "CSV", request)
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (4, 2, 2)
    assert "InputFormatOptions" not in done  # not given, not shown
    found = items_of(client, table)
    assert found["u1"] == {
        "pk": {"S": "u1"},
        "sk": {"N": "1"},
        "g": {"N": "10"},
        "note": {"S": 'hello, "world"'},
    }
    assert found["u2"] == {"pk": {"S": "u2"}, "sk": {"N": "2"}}
    by_g = client.query(
        TableName=table,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"N": "10"}},
    )
    assert [i["pk"]["S"] for i in by_g["Items"]] == ["u1"]
    client.delete_table(TableName=table)


def test_import_csv_options(client: Any, bucket: str, s3_dir: str) -> None:
    # A HeaderList means every line is data; the Delimiter splits cells; both are echoed.
    put(s3_dir, bucket, "semi/data.csv", b"k1;v1\nk2;v2\n")
    table = unique("csv-options")
    options = {"Csv": {"Delimiter": ";", "HeaderList": ["pk", "val"]}}
    done = run_import(client, bucket, "semi/", "CSV", parameters(table), InputFormatOptions=options)
    assert done["ImportStatus"] == "COMPLETED" and done["InputFormatOptions"] == options
    assert items_of(client, table)["k2"] == {"pk": {"S": "k2"}, "val": {"S": "v2"}}
    client.delete_table(TableName=table)


@pytest.mark.parametrize("compression", ["GZIP", "ZSTD"])
def test_import_compressed(client: Any, bucket: str, s3_dir: str, compression: str) -> None:
    # GZIP and ZSTD objects are decompressed; ProcessedSizeBytes counts the uncompressed bytes.
    body = b"".join(b'{"Item":{"pk":{"S":"k%d"}}}\n' % i for i in range(100))
    packed = gzip.compress(body) if compression == "GZIP" else zstandard.ZstdCompressor().compress(body)
    put(s3_dir, bucket, "z/part-0", packed)
    table = unique("compressed")
    done = run_import(
        client, bucket, "z/", "DYNAMODB_JSON", parameters(table), InputCompressionType=compression
    )
    assert done["ImportStatus"] == "COMPLETED" and done["ImportedItemCount"] == 100
    assert done["ProcessedSizeBytes"] == len(body) and done["InputCompressionType"] == compression
    client.delete_table(TableName=table)


def test_import_ion(client: Any, bucket: str, s3_dir: str) -> None:
    # ION lines "$ion_1_0 {Item:{...}}" map back to DynamoDB types, sets from their annotations.
    put(
        s3_dir,
        bucket,
        "ion/data.ion",
        b'$ion_1_0 {Item:{pk:"i1",n:12.5,b:{{AQI=}},ss:$dynamodb_SS::["x","y"],m:{l:[true,null]}}}\n',
    )
    table = unique("ion-import")
    done = run_import(client, bucket, "ion/", "ION", parameters(table))
    assert done["ImportStatus"] == "COMPLETED"
    assert items_of(client, table)["i1"] == {
        "pk": {"S": "i1"},
        "n": {"N": "12.5"},
        "b": {"B": b"\x01\x02"},
        "ss": {"SS": ["x", "y"]},
        "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}]}}},
    }
    client.delete_table(TableName=table)


def test_import_description_while_running_and_after(client: Any, bucket: str, s3_dir: str) -> None:
    # The first description has zero counters and no EndTime/ProcessedSizeBytes; owner and compression are filled in.
    put(s3_dir, bucket, "one/x.json", b'{"Item":{"pk":{"S":"x"}}}\n')
    table = unique("described")
    started = client.import_table(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "one/"},
        InputFormat="DYNAMODB_JSON",
        TableCreationParameters=parameters(table),
    )["ImportTableDescription"]
    assert started["ImportStatus"] == "IN_PROGRESS"
    assert (started["ProcessedItemCount"], started["ImportedItemCount"], started["ErrorCount"]) == (0, 0, 0)
    assert not {"EndTime", "ProcessedSizeBytes", "FailureCode"} & set(started)
    assert started["S3BucketSource"] == {"S3BucketOwner": ACCOUNT, "S3Bucket": bucket, "S3KeyPrefix": "one/"}
    assert started["InputCompressionType"] == "NONE"
    assert (
        started["CloudWatchLogGroupArn"]
        == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-dynamodb/imports:*"
    )
    assert re.fullmatch(
        r"arn:aws:dynamodb:us-east-1:\d{12}:table/" + table + r"/import/\d{14}-[0-9a-f]{8}",
        started["ImportArn"],
    )
    assert started["TableCreationParameters"] == parameters(table)
    done = wait_until_done(
        lambda: client.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
    )
    assert done["ImportStatus"] == "COMPLETED" and done["ProcessedSizeBytes"] == len(
        b'{"Item":{"pk":{"S":"x"}}}\n'
    )
    client.delete_table(TableName=table)


def test_import_request_errors(client: Any, bucket: str) -> None:
    # Billing, format options, compression and an existing table are checked when the request arrives.
    source = {"S3Bucket": bucket}
    table = unique("errors")
    provisioned = parameters(table)
    del provisioned["BillingMode"]
    with raises(
        "ValidationException",
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED",
    ):
        client.import_table(S3BucketSource=source, InputFormat="CSV", TableCreationParameters=provisioned)
    with raises(
        "ValidationException",
        "Invalid Request: Unsupported InputFormatOptions for the given input format: DYNAMODB_JSON.",
    ):
        client.import_table(
            S3BucketSource=source,
            InputFormat="DYNAMODB_JSON",
            InputFormatOptions={"Csv": {"Delimiter": ";"}},
            TableCreationParameters=parameters(table),
        )
    with raises(
        "ValidationException",
        "1 validation error detected: Value 'BZIP2' at 'inputCompressionType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ZSTD, NONE, GZIP]",
    ):
        client.import_table(
            S3BucketSource=source,
            InputFormat="CSV",
            InputCompressionType="BZIP2",
            TableCreationParameters=parameters(table),
        )
    existing = unique("exists")
    client.create_table(**parameters(existing))
    with raises("ResourceInUseException", f"Table already exists: {existing}"):
        client.import_table(
            S3BucketSource=source, InputFormat="CSV", TableCreationParameters=parameters(existing)
        )
    client.delete_table(TableName=existing)


def test_import_client_token(client: Any, bucket: str, s3_dir: str) -> None:
    # A retry with the same ClientToken returns the import; only another TableName conflicts.
    put(s3_dir, bucket, "tok/x.json", b'{"Item":{"pk":{"S":"x"}}}\n')
    token, table = unique("token"), unique("token-table")
    first = client.import_table(
        ClientToken=token, S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "tok/"},
        InputFormat="DYNAMODB_JSON", TableCreationParameters=parameters(table),
    )["ImportTableDescription"]  # fmt: skip
    try:
        again = client.import_table(
            ClientToken=token, S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": "other/"},
            InputFormat="CSV", TableCreationParameters=parameters(table),
        )["ImportTableDescription"]  # fmt: skip
        assert again["ImportArn"] == first["ImportArn"]
    except Exception as exc:  # the import may have finished: then the table exists, as on DynamoDB
        assert "Table already exists" in str(exc)
    with raises(
        "ImportConflictException", "Import conflict: Duplicate request detected with conflicting parameters"
    ):
        client.import_table(
            ClientToken=token, S3BucketSource={"S3Bucket": bucket},
            InputFormat="DYNAMODB_JSON", TableCreationParameters=parameters(unique("other")),
        )  # fmt: skip
    wait_until_done(lambda: client.describe_import(ImportArn=first["ImportArn"])["ImportTableDescription"])
    client.delete_table(TableName=table)


def test_missing_bucket_fails_the_import_and_drops_the_table(client: Any) -> None:
    # A bucket that does not exist fails the import with S3NoSuchBucket, and no table is left.
    table = unique("no-bucket")
    done = run_import(client, unique("no-such-bucket"), "", "CSV", parameters(table))
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "S3NoSuchBucket"
    assert done["ProcessedSizeBytes"] == 0
    with raises("ResourceNotFoundException"):
        client.describe_table(TableName=table)


def test_describe_and_list_imports(client: Any, bucket: str, s3_dir: str) -> None:
    # ListImports: newest first, PageSize 1..25, hex NextToken; DescribeImport refuses non-import ARNs.
    put(s3_dir, bucket, "l/x.csv", b"pk\nx\n")
    table = unique("listed")
    arns = []
    for _ in range(3):
        arns.append(run_import(client, bucket, "l/", "CSV", parameters(table))["ImportArn"])
        client.delete_table(TableName=table)  # imports stay listed after their table is gone
    table_arn = arns[0].rpartition("/import/")[0]
    first = client.list_imports(TableArn=table_arn, PageSize=2)
    assert [s["ImportArn"] for s in first["ImportSummaryList"]] == arns[::-1][:2]
    assert set(first["ImportSummaryList"][0]) == {
        "ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn", "InputFormat",
        "StartTime", "EndTime",
    }  # fmt: skip
    rest = client.list_imports(TableArn=table_arn, PageSize=2, NextToken=first["NextToken"])
    assert [s["ImportArn"] for s in rest["ImportSummaryList"]] == [arns[0]]
    with raises(
        "ValidationException",
        "1 validation error detected: Value '26' at 'pageSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 25",
    ):
        client.list_imports(PageSize=26)
    with raises("ValidationException", "Invalid Request: Provided nextToken is invalid: " + "0" * 112):
        client.list_imports(NextToken="0" * 112)
    with raises("ValidationException", "Invalid Import ARN"):
        client.describe_import(ImportArn=table_arn + "/export/01800000000000-abcdef12")
    with raises("AccessDeniedException", "Access is denied"):
        client.describe_import(ImportArn=arns[0].replace(ACCOUNT, "123456789012"))
    with raises("ImportNotFoundException"):
        client.describe_import(ImportArn=table_arn + "/import/01800000000000-abcdef12")
