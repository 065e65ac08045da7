"""Exports and imports beyond the black-box suite: incremental exports over time, error logs,
resumed imports, a real S3 endpoint (moto's server), the CLI, and the line codecs."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
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
