"""Exports and imports beyond the black-box suite: incremental exports over time, error logs,
resumed imports, a real S3 endpoint (moto's server), the CLI, and the line codecs."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from amazon.ion import simpleion
from hypothesis import given
from hypothesis import strategies as st

import dynamo
from dynamo import imports, item_formats
from dynamo.cli import main
from dynamo.jobs import Jobs
from dynamo.shapes import PYTHON
from tests.helpers import create_table, free_port, raises, wait_active
from tests.unit.dynamo.conftest import START, ManualClock

MINUTE = 60.0


def pitr_table(db: Any) -> tuple[str, str]:
    name = create_table(db)
    db.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    return name, db.describe_table(TableName=name)["Table"]["TableArn"]


def local_bucket(db: Any, name: str = "bucket") -> str:
    os.makedirs(os.path.join(db.engine.path, "s3", name), exist_ok=True)
    return os.path.join(db.engine.path, "s3", name)


def read(folder: str, key: str) -> bytes:
    with open(os.path.join(folder, key), "rb") as f:
        return f.read()


# -- incremental exports ---------------------------------------------------------------------


def test_incremental_export_lists_each_changed_item_once(db: Any, clock: ManualClock) -> None:
    # An incremental export has one line per item changed in the window: Keys, NewImage, OldImage, WriteTimestampMicros.
    name, arn = pitr_table(db)
    db.put_item(TableName=name, Item={"pk": {"S": "kept"}, "v": {"N": "1"}})
    db.put_item(TableName=name, Item={"pk": {"S": "changed"}, "v": {"N": "1"}})
    db.put_item(TableName=name, Item={"pk": {"S": "deleted"}, "v": {"N": "1"}})
    clock.now += 10 * MINUTE
    window_start = clock.now
    clock.now += MINUTE
    db.put_item(TableName=name, Item={"pk": {"S": "changed"}, "v": {"N": "2"}})
    clock.now += MINUTE
    db.put_item(TableName=name, Item={"pk": {"S": "changed"}, "v": {"N": "3"}})
    last_write = clock.now
    db.delete_item(TableName=name, Key={"pk": {"S": "deleted"}})
    db.put_item(TableName=name, Item={"pk": {"S": "new"}})
    db.put_item(TableName=name, Item={"pk": {"S": "fleeting"}})
    db.delete_item(TableName=name, Key={"pk": {"S": "fleeting"}})
    clock.now += 20 * MINUTE
    window_end = clock.now
    db.put_item(TableName=name, Item={"pk": {"S": "changed"}, "v": {"N": "4"}})  # after the window
    bucket = local_bucket(db)
    started = db.export_table_to_point_in_time(
        TableArn=arn,
        S3Bucket="bucket",
        S3Prefix="inc",
        ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={"ExportFromTime": window_start, "ExportToTime": window_end},
    )["ExportDescription"]
    assert "ExportTime" not in started and started["ExportType"] == "INCREMENTAL_EXPORT"
    assert started["IncrementalExportSpecification"]["ExportViewType"] == "NEW_AND_OLD_IMAGES"
    db.engine.jobs.wait()
    done = db.describe_export(ExportArn=started["ExportArn"])["ExportDescription"]
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 3
    assert done["BilledSizeBytes"] == 10_000_000  # DynamoDB bills at least 10 MB
    summary = json.loads(read(bucket, done["ExportManifest"]))
    assert summary["version"] == "2023-08-01" and "exportTime" not in summary
    assert list(summary)[-2:] == ["outputView", "exportType"]
    (entry,) = [json.loads(x) for x in read(bucket, summary["manifestFilesS3Key"]).splitlines()]
    assert entry["dataFileS3Key"].startswith("inc/AWSDynamoDB/data/")  # the shared data folder
    lines = gzip.decompress(read(bucket, entry["dataFileS3Key"])).splitlines()
    by_key = {json.loads(x)["Keys"]["pk"]["S"]: json.loads(x) for x in lines}
    assert set(by_key) == {"changed", "deleted", "new"}
    assert by_key["changed"] == {
        "Metadata": {"WriteTimestampMicros": {"N": str(int(last_write * 1_000_000))}},
        "Keys": {"pk": {"S": "changed"}},
        "NewImage": {"pk": {"S": "changed"}, "v": {"N": "3"}},
        "OldImage": {"pk": {"S": "changed"}, "v": {"N": "1"}},
    }
    assert "NewImage" not in by_key["deleted"] and by_key["deleted"]["OldImage"]["v"] == {"N": "1"}
    assert "OldImage" not in by_key["new"]

    ion = db.export_table_to_point_in_time(
        TableArn=arn,
        S3Bucket="bucket",
        S3Prefix="inc-ion",
        ExportFormat="ION",
        ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={
            "ExportFromTime": window_start,
            "ExportToTime": window_end,
            "ExportViewType": "NEW_IMAGE",
        },
    )["ExportDescription"]
    db.engine.jobs.wait()
    manifest = db.describe_export(ExportArn=ion["ExportArn"])["ExportDescription"]["ExportManifest"]
    (entry,) = [json.loads(x) for x in read(bucket, manifest.replace("summary", "files")).splitlines()]
    assert entry["dataFileS3Key"].endswith(".ion.gz")
    changes = [simpleion.loads(x) for x in gzip.decompress(read(bucket, entry["dataFileS3Key"])).splitlines()]
    changed = next(c for c in changes if c["Keys"]["pk"] == "changed")
    assert changed["NewImage"]["v"] == 3 and "OldImage" not in changed  # NEW_IMAGE: no old images
    assert changed["Metadata"]["WriteTimestampMicros"] == int(last_write * 1_000_000)


def test_incremental_export_window_rules(db: Any, clock: ManualClock) -> None:
    # The window must start after the table was created, end by now, and last 15 minutes to 24 hours.
    _, arn = pitr_table(db)
    clock.now += 30 * MINUTE

    def incremental(start: float, end: float) -> Any:
        return db.export_table_to_point_in_time(
            TableArn=arn,
            S3Bucket="bucket",
            ExportType="INCREMENTAL_EXPORT",
            IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": end},
        )

    with raises(
        "InvalidExportTimeException", startswith="Incremental export period from time cannot be less than"
    ):
        incremental(START - MINUTE, START + 20 * MINUTE)
    with raises(
        "InvalidExportTimeException",
        "Difference between export period from time and export period to time is less than 15 minutes",
    ):
        incremental(START + MINUTE, START + 10 * MINUTE)
    with raises(
        "InvalidExportTimeException", startswith="Incremental export period to time cannot be greater"
    ):
        incremental(START + MINUTE, clock.now + MINUTE)


# -- imports: error log and resuming ------------------------------------------------------------


def test_import_error_log_names_each_bad_item(db: Any) -> None:
    # Each error is a JSON event with the object, the item's 0-based index and DynamoDB's message.
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "rows.csv"), "w") as f:
        f.write("pk,v\nok,1\n,2\n")
    arn = db.import_table(
        S3BucketSource={"S3Bucket": "bucket"},
        InputFormat="CSV",
        TableCreationParameters={
            "TableName": "logged",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )["ImportTableDescription"]["ImportArn"]
    db.engine.jobs.wait()
    with open(imports.error_log_path(db.engine, arn), "rb") as f:
        events = [json.loads(line) for line in f]
    assert events == [
        {
            "itemS3Pointer": {"bucket": "bucket", "key": "rows.csv", "itemIndex": 1},
            "importArn": arn,
            "errorMessages": ["One or more parameter values were invalid: Missing the key pk in the item"],
        }
    ]


class StopsAfter(Jobs):
    """A job runner told to stop after a number of batches (as a process ending would)."""

    batches = 0

    @property
    def stopping(self) -> bool:
        self.batches -= 1
        return self.batches < 0


def test_interrupted_import_resumes_without_double_counting(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # An import stopped between batches resumes where it stopped: counts, items and error log are exact.
    monkeypatch.setattr(imports, "BATCH", 4)
    bucket = local_bucket(db)
    for part in range(3):
        with open(os.path.join(bucket, f"part-{part}.json"), "w") as f:
            for i in range(10):
                pk = {"N": "0"} if i == 3 else {"S": f"{part}-{i}"}  # one item of the wrong type per file
                f.write(json.dumps({"Item": {"pk": pk}}) + "\n")
    db.engine.jobs.stop()
    arn = db.import_table(
        S3BucketSource={"S3Bucket": "bucket"},
        InputFormat="DYNAMODB_JSON",
        TableCreationParameters={
            "TableName": "resumed",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )["ImportTableDescription"]["ImportArn"]
    runner = StopsAfter(db.engine, [imports.ImportJob()])
    for batches in (2, 3, 100):  # stopped twice, mid-file and across files, then finished
        runner.batches = batches
        assert runner.run_one() is True
    assert runner.run_one() is False
    done = db.describe_import(ImportArn=arn)["ImportTableDescription"]
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (30, 27, 3)
    assert wait_active(db, "resumed")["ItemCount"] == 27
    with open(imports.error_log_path(db.engine, arn), "rb") as f:
        assert [json.loads(line)["itemS3Pointer"]["key"] for line in f] == [
            "part-0.json",
            "part-1.json",
            "part-2.json",
        ]


def test_error_log_cuts_what_an_interrupted_batch_wrote(tmp_path: Any) -> None:
    # Reopening the log at the committed length drops events whose batch never committed.
    path = str(tmp_path / "imports" / "x" / "error")
    log = imports.ErrorLog(path, 0)
    record = {"arn": "arn", "source": {"S3Bucket": "b"}}
    from dynamo.import_files import Entry

    log.add(record, "k", Entry(0, 1, None, "first"), "first")
    committed = log.sync()
    log.add(record, "k", Entry(1, 1, None, "lost"), "lost")
    log.close()
    imports.ErrorLog(path, committed).close()
    with open(path, "rb") as f:
        assert [json.loads(line)["errorMessages"] for line in f] == [["first"]]


# -- a real S3 endpoint ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_export_and_import_through_an_s3_endpoint(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # With s3_endpoint set, exports are S3 objects on that server, and imports read them back.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="exports")
    with dynamo.connect(maintenance_interval=0, s3_endpoint=s3_endpoint) as db:
        name, arn = pitr_table(db)
        for i in range(20):
            db.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
        started = db.export_table_to_point_in_time(TableArn=arn, S3Bucket="exports", S3Prefix="p")
        db.engine.jobs.wait()
        done = db.describe_export(ExportArn=started["ExportDescription"]["ExportArn"])["ExportDescription"]
        assert done["ExportStatus"] == "COMPLETED", done
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="exports")["Contents"]]
        assert done["ExportManifest"] in keys and any(k.endswith(".json.gz") for k in keys)
        folder = done["ExportManifest"].rpartition("/")[0]
        db.import_table(
            S3BucketSource={"S3Bucket": "exports", "S3KeyPrefix": f"{folder}/data/"},
            InputFormat="DYNAMODB_JSON",
            InputCompressionType="GZIP",
            TableCreationParameters={
                "TableName": "from-s3",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )
        db.engine.jobs.wait()
        assert wait_active(db, "from-s3")["ItemCount"] == 20
        missing = db.export_table_to_point_in_time(TableArn=arn, S3Bucket="no-such-bucket")
        db.engine.jobs.wait()
        failed = db.describe_export(ExportArn=missing["ExportDescription"]["ExportArn"])["ExportDescription"]
        assert failed["FailureCode"] == "S3NoSuchBucket"


# -- the command line --------------------------------------------------------------------------


def test_cli_export_then_import(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # `dynamo export` writes an export folder; `dynamo import` of that folder recreates the table.
    data = str(tmp_path / "data")
    with dynamo.connect(data, maintenance_interval=0) as db:
        name, _ = pitr_table(db)
        for i in range(30):
            db.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": {"SS": ["a", "b"]}})
    out = tmp_path / "out"

    def run(*argv: str) -> dict[str, Any]:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--data-dir", data])
        assert exit_info.value.code == 0, capsys.readouterr().err
        result: dict[str, Any] = json.loads(capsys.readouterr().out)
        return result

    exported = run("export", name, "--to", str(out), "--format", "ion")["ExportDescription"]
    assert exported["ExportStatus"] == "COMPLETED" and exported["ItemCount"] == 30
    (export_dir,) = (out / "AWSDynamoDB").iterdir()
    imported = run("import", str(export_dir), "--table", "copied", "--format", "ion", "--key", "pk:S")
    assert imported["ImportTableDescription"]["ImportedItemCount"] == 30
    # The --to folder itself names its newest export (gzip data files under AWSDynamoDB/<id>/data/).
    whole = run("import", str(out), "--table", "copied-again", "--format", "ion", "--key", "pk:S")
    assert whole["ImportTableDescription"]["InputCompressionType"] == "GZIP"
    assert whole["ImportTableDescription"]["ImportedItemCount"] == 30
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("id,age\n1,30\n2,41\n")
    run("import", str(csv_file), "--table", "people", "--format", "csv", "--key", "id:N")
    with dynamo.connect(data, maintenance_interval=0) as db:
        assert db.scan(TableName="copied")["Count"] == 30
        assert db.get_item(TableName="people", Key={"id": {"N": "2"}})["Item"]["age"] == {"S": "41"}


def test_cli_export_without_pitr_says_how_to_enable_it(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Exports need PITR, as on DynamoDB; the CLI says which command turns it on.
    data = str(tmp_path / "data")
    with dynamo.connect(data, maintenance_interval=0) as db:
        name = create_table(db)
    with pytest.raises(SystemExit) as exit_info:
        main(["export", name, "--to", str(tmp_path / "out"), "--data-dir", data])
    assert exit_info.value.code == 1
    assert f"dynamo pitr enable --table {name}" in capsys.readouterr().err


# -- the line codecs -----------------------------------------------------------------------------

_numbers = st.integers(-(10**30), 10**30).map(str) | st.decimals(
    min_value=-(10**6), max_value=10**6, places=5, allow_nan=False
).map(lambda d: str(d.normalize()))
_scalars = (
    st.text(max_size=8).map(lambda s: {"S": s})
    | _numbers.map(lambda n: {"N": n})
    | st.binary(max_size=8).map(lambda b: {"B": b})
    | st.booleans().map(lambda b: {"BOOL": b})
    | st.just({"NULL": True})
    | st.sets(st.text(max_size=4), min_size=1, max_size=3).map(lambda s: {"SS": sorted(s)})
    | st.sets(st.integers(-1000, 1000), min_size=1, max_size=3).map(lambda s: {"NS": [str(n) for n in s]})
    | st.sets(st.binary(max_size=4), min_size=1, max_size=3).map(lambda s: {"BS": sorted(s)})
)
_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=3).map(lambda v: {"L": v})
        | st.dictionaries(st.text(max_size=4), children, max_size=3).map(lambda m: {"M": m})
    ),
    max_leaves=10,
)
_items = st.dictionaries(st.text(min_size=1, max_size=6), _values, min_size=1, max_size=5)


@given(_items)
def test_lines_read_back_as_the_same_item(raw: dict[str, Any]) -> None:
    # Any item written as a DynamoDB JSON or Ion export line reads back identical (the import path).
    item = item_formats.checked(raw, PYTHON)
    (json_raw,) = item_formats.json_items(item_formats.json_line(item))
    assert item_formats.json_item(json_raw) == item
    (ion_raw,) = item_formats.ion_items(item_formats.ion_line(item))
    assert item_formats.ion_item(ion_raw) == item


# -- review findings: exact bytes, hostile input, jobs that must end -----------------------------


def test_data_files_are_dynamodb_gzip_bytes(tmp_path: Any) -> None:
    # Data files are byte-identical to DynamoDB's: an empty one and a real two-item one hash as AWS's did.
    from dynamo import export_files

    empty = export_files.write_data(str(tmp_path), iter([]))
    (only,) = empty.files
    assert read(str(tmp_path), only.path) == bytes.fromhex("1f8b0800000000000000" + "0300" + "00" * 8)
    assert base64.b64encode(only.md5).decode() == "OXDoJgXH0Qm7NI/JTp7swA=="
    assert only.manifest_line().startswith(
        b'{"itemCount":0,"md5Checksum":"OXDoJgXH0Qm7NI/JTp7swA==","etag":"67c8121a4701556ecf2fa9dda42c0269-1"'
    )
    lines = [
        b'{"Item":{"pk":{"S":"pk001-1605121017583"},"sk":{"S":"sk001"}}}\n',
        b'{"Item":{"pk":{"S":"pk002-1605121017583"},"sk":{"S":"sk002"}}}\n',
    ]
    (real,) = export_files.write_data(str(tmp_path), iter(lines)).files
    assert base64.b64encode(real.md5).decode() == "J/tzfeC42jGYz0+Lo26WKg=="  # the real export's manifest
    assert hashlib.md5(real.md5).hexdigest() + "-1" == "4b8c246df7babb873e2fc91a4c45807e-1"
    assert gzip.decompress(read(str(tmp_path), real.path)) == b"".join(lines)


def test_ion_numbers_keep_all_digits_without_trailing_zeros() -> None:
    # Ion lines write 600 as 6d2 and keep 38 significant digits (a plain normalize would round to 28).
    line = item_formats.ion_line(
        {"a": {"N": "600"}, "b": {"N": "103"}, "c": {"N": "12345678901234567890123456789012345678"}}
    )
    item = simpleion.loads(line)["Item"]
    assert item["a"].as_tuple() == Decimal("6E+2").as_tuple()
    assert item["b"].as_tuple() == Decimal("103").as_tuple()
    assert str(item["c"]).replace("d0", "").replace(".", "") == "12345678901234567890123456789012345678"


def import_params(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def import_and_wait(db: Any, bucket: str, prefix: str, fmt: str, name: str, **extra: Any) -> dict[str, Any]:
    arn = db.import_table(
        S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": prefix},
        InputFormat=fmt,
        TableCreationParameters=import_params(name),
        **extra,
    )["ImportTableDescription"]["ImportArn"]
    deadline = time.monotonic() + 30
    while True:
        found: dict[str, Any] = db.describe_import(ImportArn=arn)["ImportTableDescription"]
        if found["ImportStatus"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_hostile_ion_is_counted_not_crashed(db: Any) -> None:
    # Ion sets with members of the wrong type, or unnamed fields, are item errors; the import still ends.
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "bad.ion"), "w") as f:
        f.write('$ion_1_0 {Item:{pk:"ok"}}\n')
        f.write('{Item:{pk:"a", bs:$dynamodb_BS::["abc"]}}\n')
        f.write('{Item:{pk:"b", bs:$dynamodb_BS::[3]}}\n')
        f.write('{Item:{pk:"c", ss:$dynamodb_SS::[null]}}\n')
        f.write('{Item:{pk:"d", m:{$0:1}}}\n')
        f.write('{Item:{pk:"e", t:2020-01-01T}}\n')
        f.write('{Item:{pk:"sym", ss:$dynamodb_SS::[abc, "x"]}}\n')
    done = import_and_wait(db, "bucket", "bad.ion", "ION", "hostile")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (7, 2, 5)
    assert db.get_item(TableName="hostile", Key={"pk": {"S": "sym"}})["Item"]["ss"] == {"SS": ["abc", "x"]}


def test_ion_import_reads_values_across_lines(db: Any) -> None:
    # An Ion file is a stream of values: one list of items over many lines imports like one per line.
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "list.ion"), "w") as f:
        f.write(
            '$ion_1_0\n[\n  {Item:{pk:"a", n:1.}},\n  {Item:{pk:"b", s:"two\\\nlines"}}\n]\n{Item:{pk:"c"}}\n'
        )
    done = import_and_wait(db, "bucket", "list.ion", "ION", "multi-line")
    assert (done["ImportStatus"], done["ImportedItemCount"]) == ("COMPLETED", 3)
    assert db.get_item(TableName="multi-line", Key={"pk": {"S": "b"}})["Item"]["s"] == {"S": "twolines"}


def test_csv_quotes_bom_and_long_fields(db: Any) -> None:
    # A byte order mark is ignored, a 300 KB cell is read, and a quote inside an unquoted field ends the file.
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "a.csv"), "wb") as f:
        f.write(b"\xef\xbb\xbfpk,v\nbig," + b"x" * 300_000 + b"\nok,1\n")
    with open(os.path.join(bucket, "b.csv"), "wb") as f:
        f.write(b'pk,v\n"123",Women\'s Full "Length" Dress\nnever,read\n')
    done = import_and_wait(db, "bucket", "", "CSV", "csv-edges")
    assert (done["ProcessedItemCount"], done["ImportedItemCount"], done["ErrorCount"]) == (3, 2, 1)
    assert len(db.get_item(TableName="csv-edges", Key={"pk": {"S": "big"}})["Item"]["v"]["S"]) == 300_000


def test_json_without_newlines_is_one_bad_line(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file with no newline is cut at the longest line allowed instead of filling memory.
    from dynamo import import_files

    monkeypatch.setattr(import_files, "MAX_LINE", 10_000)
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "flat.json"), "w") as f:
        f.write("[" + ",".join('{"Item":{"pk":{"S":"x"}}}' for _ in range(5000)) + "]")
    done = import_and_wait(db, "bucket", "flat.json", "DYNAMODB_JSON", "flat")
    assert (done["ProcessedItemCount"], done["ErrorCount"]) == (1, 1)


def test_export_at_the_earliest_restorable_time(db: Any, clock: ManualClock) -> None:
    # ExportTime may be the EarliestRestorableDateTime DescribeContinuousBackups shows (whole seconds).
    clock.now += 0.4
    _, arn = pitr_table(db)
    clock.now += 60
    backups = db.describe_continuous_backups(TableName=arn.rpartition("/")[2])["ContinuousBackupsDescription"]
    earliest = backups["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"]
    local_bucket(db)
    started = db.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket", ExportTime=earliest)
    assert started["ExportDescription"]["ExportStatus"] == "IN_PROGRESS"
    db.engine.jobs.wait()


def test_prefix_a_folder_cannot_hold_fails_the_export(db: Any) -> None:
    # S3 keys a local folder cannot hold as the same path (a//b, ../x) fail the export instead of retrying.
    _, arn = pitr_table(db)
    local_bucket(db)
    for prefix in ("a//b", "../escape"):
        started = db.export_table_to_point_in_time(TableArn=arn, S3Bucket="bucket", S3Prefix=prefix)
        db.engine.jobs.wait()
        done = db.describe_export(ExportArn=started["ExportDescription"]["ExportArn"])["ExportDescription"]
        assert (done["ExportStatus"], done["FailureCode"]) == ("FAILED", "UnknownError"), done
        assert "cannot be stored as a file" in done["FailureMessage"]


def queued_import(db: Any, name: str) -> str:
    """An import of one item, recorded but not run (the engine's own runner stopped)."""
    bucket = local_bucket(db)
    with open(os.path.join(bucket, "x.json"), "w") as f:
        f.write('{"Item":{"pk":{"S":"x"}}}\n')
    db.engine.jobs.stop()
    arn: str = db.import_table(
        S3BucketSource={"S3Bucket": "bucket"},
        InputFormat="DYNAMODB_JSON",
        TableCreationParameters=import_params(name),
    )["ImportTableDescription"]["ImportArn"]
    return arn


def test_a_job_leased_by_a_dead_process_is_taken_when_the_lease_ends(db: Any) -> None:
    # After a crash, the restarted process picks the job up as soon as the dead holder's lease runs out.
    from dynamo import jobs as jobs_module

    arn = queued_import(db, "orphan")

    def held_by_the_dead(view: Any) -> None:
        spec = view.record(imports.JOB, arn)
        view.put_record(
            imports.JOB, arn, {**spec, "owner": "dead", "heartbeat": time.time() - jobs_module.LEASE + 1}
        )

    db.engine.store.write(held_by_the_dead)
    runner = Jobs(db.engine, [imports.ImportJob()])
    runner.resume()
    try:
        deadline = time.monotonic() + 10
        while db.describe_import(ImportArn=arn)["ImportTableDescription"]["ImportStatus"] == "IN_PROGRESS":
            assert time.monotonic() < deadline, "the job was never taken over"
            time.sleep(0.05)
    finally:
        runner.stop()
    assert wait_active(db, "orphan")["ItemCount"] == 1


def test_a_job_that_keeps_failing_is_abandoned(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A job failing for an unforeseen reason is retried a few times, then FAILED (its table removed).
    from dynamo import jobs as jobs_module
    from dynamo import object_store

    class Broken:
        def keys(self, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
            raise RuntimeError("the store is broken")

    monkeypatch.setattr(jobs_module, "RETRY", 0.01)
    monkeypatch.setattr(object_store, "at", lambda location: Broken())
    done = import_and_wait(db, "bucket", "", "CSV", "doomed")
    assert (done["ImportStatus"], done["FailureCode"]) == ("FAILED", "UnknownError")
    assert "failed 5 times" in done["FailureMessage"] and "the store is broken" in done["FailureMessage"]
    with raises("ResourceNotFoundException"):
        db.describe_table(TableName="doomed")


def test_jobs_use_the_store_of_the_request(db: Any, tmp_path: Any) -> None:
    # A job reads the S3 location its request was made against, whichever process runs it.
    arn = queued_import(db, "where")
    # As another process, configured with another S3 folder, would be:
    db.engine.settings = dataclasses.replace(db.engine.settings, s3_dir=str(tmp_path))
    runner = Jobs(db.engine, [imports.ImportJob()])
    assert runner.run_one() is True
    assert db.describe_import(ImportArn=arn)["ImportTableDescription"]["ImportStatus"] == "COMPLETED"


def test_resume_skips_objects_added_before_its_position(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A resumed import goes on from the object it was reading: objects listed before it are not read twice or half.
    monkeypatch.setattr(imports, "BATCH", 3)
    bucket = local_bucket(db)
    for part in ("b", "c"):
        with open(os.path.join(bucket, f"{part}.json"), "w") as f:
            f.writelines(json.dumps({"Item": {"pk": {"S": f"{part}{i}"}}}) + "\n" for i in range(5))
    db.engine.jobs.stop()
    arn = db.import_table(
        S3BucketSource={"S3Bucket": "bucket"},
        InputFormat="DYNAMODB_JSON",
        TableCreationParameters=import_params("moving"),
    )["ImportTableDescription"]["ImportArn"]
    runner = StopsAfter(db.engine, [imports.ImportJob()])
    runner.batches = 3  # stopped inside c.json
    runner.run_one()
    with open(os.path.join(bucket, "a.json"), "w") as f:
        f.write('{"Item":{"pk":{"S":"late"}}}\n')
    runner.batches = 100
    runner.run_one()
    done = db.describe_import(ImportArn=arn)["ImportTableDescription"]
    assert done["ImportedItemCount"] == wait_active(db, "moving")["ItemCount"] == 10
