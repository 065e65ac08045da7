"""Exports to S3 (reference 14.1, 14.2): records, the job that writes them, descriptions.

An export is a record (``ExportDescription`` fields) plus, while it runs, a job. The job
reads the table as it was at the export time from one snapshot (the table and its
point-in-time history, as a restore does), writes the data files and manifests to the
object store, and completes the record, or fails it with DynamoDB's failure code.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

from dynamo import arns, export_files, item_formats, object_store, pitr
from dynamo.engine import Context, Engine
from dynamo.errors import DynamoError
from dynamo.jobs import Jobs, Progress
from dynamo.object_store import AccessDenied, NoSuchBucket, UnstorableKey
from storage.catalog import TableDef
from storage.store import ReadView, WriteView

KIND: Final = "export"  # the records DescribeExport and ListExports read
JOB: Final = "export-job"  # the work still to do
TOKENS: Final = "export-token"
TOKEN_LIFETIME: Final = 8 * 3600.0
INCREMENTAL_MINIMUM: Final = 10_000_000


def iso(when: float) -> str:
    """Manifest timestamps: ISO 8601 with milliseconds and ``Z``."""
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_ARN: Final = arns.job_arn_pattern("export")


def find(ctx: Context, view: ReadView, arn: str) -> dict[str, Any]:
    """The record of an export, or DynamoDB's error for an ARN that names none here."""
    if not arns.in_this_region(ctx, arn, _ARN, "Invalid Export ARN"):
        raise DynamoError("ExportNotFoundException", "Export not found: Invalid export arn")
    record: dict[str, Any] | None = view.record(KIND, arn)
    if record is None:
        raise DynamoError("ExportNotFoundException", f"Export not found: Export not found: {arn}")
    return record


def description(record: dict[str, Any]) -> dict[str, Any]:
    """ExportDescription: what DynamoDB shows while IN_PROGRESS, and more once done."""
    out: dict[str, Any] = {
        "ExportArn": record["arn"],
        "ExportStatus": record["status"],
        "StartTime": record["start"],
    }
    if record.get("end") is not None:
        out["EndTime"] = record["end"]
    if record.get("manifest") is not None:
        out["ExportManifest"] = record["manifest"]
    out.update(
        TableArn=record["table_arn"],
        TableId=record["table_id"],
    )
    if record["type"] != "INCREMENTAL_EXPORT":  # an incremental export has a window instead
        out["ExportTime"] = record["export_time"]
    out.update(ClientToken=record["token"], S3Bucket=record["bucket"])
    for member, key in (("S3BucketOwner", "owner"), ("S3Prefix", "prefix")):
        if record.get(key) is not None:
            out[member] = record[key]
    out["S3SseAlgorithm"] = record["sse"]
    if record.get("kms") is not None:
        out["S3SseKmsKeyId"] = record["kms"]
    for member, key in (("FailureCode", "failure_code"), ("FailureMessage", "failure_message")):
        if record.get(key) is not None:
            out[member] = record[key]
    out["ExportFormat"] = record["format"]
    if record["status"] == "COMPLETED":  # absent while the export runs, and when it failed
        out["BilledSizeBytes"] = record.get("billed", 0)
        out["ItemCount"] = record.get("items", 0)
    if record.get("type_given"):  # echoed only when the request named it
        out["ExportType"] = record["type"]
    if record.get("incremental") is not None:
        out["IncrementalExportSpecification"] = record["incremental"]
    return out


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {"ExportArn": record["arn"], "ExportStatus": record["status"], "ExportType": record["type"]}


# -- what is exported ------------------------------------------------------------------------


def full_lines(view: ReadView, table: TableDef, when: float, fmt: str) -> Iterator[bytes]:
    """The table's items at ``when`` as data lines."""
    encode = item_formats.json_line if fmt == "DYNAMODB_JSON" else item_formats.ion_line
    for item, _ in pitr.items_at(view, table, when):
        yield encode(item)


def incremental_lines(
    view: ReadView, table: TableDef, start: float, end: float, view_type: str, fmt: str
) -> Iterator[bytes]:
    """One line per item changed in ``[start, end)``: its keys, the time of its last write
    in the window, and its image after (unless deleted) and before (NEW_AND_OLD_IMAGES).

    Only references to the history entries are remembered while the window is walked; the
    images are read as each line is written, so memory holds keys, not items.
    """
    first_in_window: dict[bytes, bytes] = {}  # key -> its first change in the window
    first_after: dict[bytes, bytes] = {}  # key -> its first change after the window
    last_write: dict[bytes, int] = {}
    end_ms = int(end * 1000) - 1  # ExportToTime is exclusive
    for key, change, time_ms in view.changes_after(table, int(start * 1000) - 1):
        if time_ms <= end_ms:
            first_in_window.setdefault(key, change)
            last_write[key] = time_ms
        else:
            first_after.setdefault(key, change)
    encode = item_formats.json_change_line if fmt == "DYNAMODB_JSON" else item_formats.ion_change_line
    schema = table.key_schema
    for key, change in first_in_window.items():
        before = view.image_before(table, change)
        after = view.image_before(table, first_after[key]) if key in first_after else view.get(table, key)
        old_item = None if before is None else before[0]
        new_item = None if after is None else after[0]
        if old_item is None and new_item is None:
            continue  # created and deleted within the window
        keys = schema.key_of(new_item if new_item is not None else old_item)  # type: ignore[arg-type]
        shown_old = old_item if view_type == "NEW_AND_OLD_IMAGES" else None
        yield encode(last_write[key] * 1000, keys, shown_old, new_item)


# -- the job ---------------------------------------------------------------------------------


class _Stopped(Exception):
    """The engine is closing: the export starts over at the next start."""


def summary_document(record: dict[str, Any], written: export_files.Written, end: float) -> dict[str, Any]:
    """manifest-summary.json's members, in DynamoDB's order (full and incremental differ)."""
    incremental = record["type"] == "INCREMENTAL_EXPORT"
    document: dict[str, Any] = {
        "version": "2023-08-01" if incremental else "2020-06-30",
        "exportArn": record["arn"],
        "startTime": iso(record["start"]),
        "endTime": iso(end),
        "tableArn": record["table_arn"],
        "tableId": record["table_id"],
    }
    if incremental:
        spec = record["incremental"]
        document.update(exportFromTime=iso(spec["ExportFromTime"]), exportToTime=iso(spec["ExportToTime"]))
    else:
        document["exportTime"] = iso(record["export_time"])
    document.update(
        {
            "s3Bucket": record["bucket"],
            "s3Prefix": record.get("prefix"),
            "s3SseAlgorithm": record["sse"],
            "s3SseKmsKeyId": record.get("kms"),
            "manifestFilesS3Key": None,  # filled in, in this position, by write_manifests
            "billedSizeBytes": billed_bytes(record, written),
            "itemCount": written.items,
            "outputFormat": record["format"],
        }
    )
    if incremental:
        document.update(outputView=record["incremental"]["ExportViewType"], exportType="INCREMENTAL_EXPORT")
    return document


def billed_bytes(record: dict[str, Any], written: export_files.Written) -> int:
    """DynamoDB bills an incremental export at least 10 MB (an empty window shows 10000000)."""
    if record["type"] == "INCREMENTAL_EXPORT":
        return max(written.bytes, INCREMENTAL_MINIMUM)
    return written.bytes


class ExportJob:
    """Runs an export (see :mod:`dynamo.jobs`). An export interrupted by a restart starts
    over (its earlier files stay, unlisted by any manifest, as DynamoDB's failed ones do).

    The table is read from one LMDB snapshot into local gzip files (in ``<data dir>/tmp``);
    only then, the snapshot closed, are they stored, so a slow remote store never keeps a
    reader open that would stop the database file from growing.
    """

    kind = JOB

    def run(self, jobs: Jobs, job_id: str, spec: dict[str, Any]) -> None:
        engine = jobs.engine
        with engine.store.read() as view:
            record = view.record(KIND, job_id)
        if record is None:
            engine.store.write(lambda v: v.delete_record(JOB, job_id))
            return
        scratch = os.path.join(engine.path, "tmp", "export-" + job_id.rpartition("/")[2])
        shutil.rmtree(scratch, ignore_errors=True)  # what an interrupted run left
        os.makedirs(scratch)
        try:
            result = self._export(jobs, job_id, record, scratch)
        except _Stopped:
            return
        except (NoSuchBucket, AccessDenied, UnstorableKey) as exc:
            code, message = object_store.failure(exc) or ("UnknownError", str(exc))
            result = failed_result(engine, code, message)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        engine.store.write(functools.partial(_finish, jobs=jobs, job_id=job_id, result=result))

    def _export(self, jobs: Jobs, job_id: str, record: dict[str, Any], scratch: str) -> dict[str, Any]:
        engine = jobs.engine
        store = object_store.at(record.get("objects") or engine.objects_location())
        bucket, prefix = record["bucket"], record.get("prefix") or ""
        folder = export_files.join(prefix, "AWSDynamoDB", record["arn"].rpartition("/export/")[2])
        store.check_bucket(bucket)
        store.put_bytes(bucket, export_files.join(folder, "_started"), b"")
        with jobs.heartbeat(JOB, job_id), engine.store.read() as view:
            table = _table(view, record)
            if table is None:
                return failed_result(
                    engine, "TableNotFoundException", "The table was deleted before the export ran"
                )
            if not view.has_history(table):
                message = f"Point in time recovery is not enabled for table '{table.name}'"
                return failed_result(engine, "PointInTimeRecoveryUnavailableException", message)
            progress = jobs.progress.setdefault(job_id, Progress())
            progress.total = view.item_count(table)  # of now: near enough for a progress bar

            def advance(count: int) -> None:
                if jobs.stopping:
                    raise _Stopped
                progress.items += count

            written = export_files.write_data(scratch, _lines(view, table, record), advance)
        incremental = record["type"] == "INCREMENTAL_EXPORT"
        data_folder = export_files.join(prefix, "AWSDynamoDB", "data") if incremental else f"{folder}/data"
        suffix = ".json.gz" if record["format"] == "DYNAMODB_JSON" else ".ion.gz"
        export_files.upload(store, bucket, data_folder, suffix, written)
        end = engine.clock()
        document = summary_document(record, written, end)
        manifest = export_files.write_manifests(store, bucket, folder, document, written.files)
        return {
            "status": "COMPLETED",
            "end": round(end, 3),
            "manifest": manifest,
            "items": written.items,
            "billed": document["billedSizeBytes"],
        }

    def abandon(self, jobs: Jobs, job_id: str, spec: dict[str, Any], reason: str) -> None:
        result = failed_result(jobs.engine, "UnknownError", reason)
        jobs.engine.store.write(functools.partial(_finish, jobs=jobs, job_id=job_id, result=result))


def _table(view: ReadView, record: dict[str, Any]) -> TableDef | None:
    table = view.table(record["region"], record["table"])
    return table if table is not None and table.table_id == record["table_id"] else None


def _lines(view: ReadView, table: TableDef, record: dict[str, Any]) -> Iterator[bytes]:
    if record["type"] == "INCREMENTAL_EXPORT":
        spec = record["incremental"]
        return incremental_lines(
            view,
            table,
            spec["ExportFromTime"],
            spec["ExportToTime"],
            spec["ExportViewType"],
            record["format"],
        )
    return full_lines(view, table, record["export_time"], record["format"])


def failed_result(engine: Engine, code: str, message: str) -> dict[str, Any]:
    """The record fields of a job (export or import) that FAILED."""
    return {
        "status": "FAILED",
        "end": round(engine.clock(), 3),
        "failure_code": code,
        "failure_message": message,
    }


def _finish(view: WriteView, jobs: Jobs | None, job_id: str, result: dict[str, Any]) -> None:
    """Complete the record (unless another process took the job over meanwhile)."""
    if jobs is not None and jobs.held(view, JOB, job_id) is None:
        return
    record = view.record(KIND, job_id)
    if record is not None:
        view.put_record(KIND, job_id, {**record, **result})
    view.delete_record(JOB, job_id)
