"""Imports from S3 (reference 14.3): records, the job that loads them, descriptions.

ImportTable creates its table CREATING (item operations on it answer ResourceNotFound)
with an import record and a job, in one transaction. The job reads every object under the
source prefix in key order (:mod:`dynamo.import_files`), checks each item as PutItem would
against the new table, and writes valid items in 1,000-entry transactions that also save
its progress, so a restart resumes exactly where it stopped. Invalid items and unreadable
lines go to the import's error log (DynamoDB's CloudWatch stream ``<import id>/error``,
kept here as a file of the same JSON events). At the end the table becomes ACTIVE and the
record gets its counters: DynamoDB shows them only once the import is over.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from itertools import islice
from typing import Any, Final

import orjson

from dynamo import arns, backups, import_files, object_store
from dynamo.engine import Context, Engine
from dynamo.errors import DynamoError
from dynamo.exports import failed_result
from dynamo.items import check_item_size, check_names
from dynamo.jobs import Jobs, Progress
from dynamo.keys import check_index_keys, check_item_key
from dynamo.object_store import AccessDenied, NoSuchBucket, ObjectStore, UnstorableKey
from dynamo.restore_requests import NOT_READY
from dynamo.restorer import make_active, write_items
from storage.catalog import TableDef
from storage.store import ReadView, WriteView
from storage.values import Item

KIND: Final = "import"  # the records DescribeImport and ListImports read
JOB: Final = "import-job"
TOKENS: Final = "import-token"
TOKEN_LIFETIME: Final = 8 * 3600.0
BATCH: Final = 1000
FAILED_ITEMS: Final = (
    "Some of the items failed validation checks and were not imported. "
    "Please check CloudWatch error logs for more details."
)
_ARN: Final = arns.job_arn_pattern("import")
_COUNTERS: Final = ("processed", "imported", "errors", "bytes")


def log_group_arn(ctx: Context) -> str:
    return f"arn:aws:logs:{ctx.region}:{ctx.account}:log-group:/aws-dynamodb/imports:*"


def error_log_path(engine: Engine, arn: str) -> str:
    """The error log of an import: ``<data dir>/logs/aws-dynamodb/imports/<id>/error``, as
    DynamoDB names the log group and stream."""
    ident = arn.rpartition("/import/")[2]
    return os.path.join(engine.path, "logs", "aws-dynamodb", "imports", ident, "error")


def find(ctx: Context, view: ReadView, arn: str) -> dict[str, Any]:
    """The record of an import, or DynamoDB's error for an ARN that names none here."""
    here = arns.in_this_region(ctx, arn, _ARN, "Invalid Import ARN")
    record: dict[str, Any] | None = view.record(KIND, arn) if here else None
    if record is None:  # the text is unconfirmed: DescribeExport's, for an import
        raise DynamoError("ImportNotFoundException", f"Import not found: Import not found: {arn}")
    return record


def description(record: dict[str, Any]) -> dict[str, Any]:
    """ImportTableDescription: the counters are 0 until the import is over."""
    out: dict[str, Any] = {
        "ImportArn": record["arn"],
        "ImportStatus": record["status"],
        "TableArn": record["table_arn"],
        "TableId": record["table_id"],
        "ClientToken": record["token"],
        "S3BucketSource": record["source"],
        "ErrorCount": record.get("errors", 0),
        "CloudWatchLogGroupArn": record["log_group"],
        "InputFormat": record["format"],
    }
    if record.get("options") is not None:
        out["InputFormatOptions"] = record["options"]
    out.update(
        InputCompressionType=record["compression"],
        TableCreationParameters=record["params"],
        StartTime=record["start"],
    )
    if record["status"] != "IN_PROGRESS":
        out["EndTime"] = record["end"]
        out["ProcessedSizeBytes"] = record.get("bytes", 0)
    out["ProcessedItemCount"] = record.get("processed", 0)
    out["ImportedItemCount"] = record.get("imported", 0)
    for member, key in (("FailureCode", "failure_code"), ("FailureMessage", "failure_message")):
        if record.get(key) is not None:
            out[member] = record[key]
    return out


def summary(record: dict[str, Any]) -> dict[str, Any]:
    out = {
        "ImportArn": record["arn"],
        "ImportStatus": record["status"],
        "TableArn": record["table_arn"],
        "S3BucketSource": record["source"],
        "CloudWatchLogGroupArn": record["log_group"],
        "InputFormat": record["format"],
        "StartTime": record["start"],
    }
    if record.get("end") is not None:
        out["EndTime"] = record["end"]
    return out


def begin(ctx: Context, view: WriteView, table: TableDef, req: dict[str, Any], now: float) -> dict[str, Any]:
    """Record an import (and create its table, if the name is free); its record.

    A name that another import is creating is accepted, as DynamoDB accepts it: the later
    import fails with ``TableAlreadyExists`` when its job runs.
    """
    ident = backups.backup_id(now)
    arn = f"{ctx.table_arn(table.name)}/import/{ident}"
    existing = view.table(ctx.region, table.name)
    if existing is None:
        table = TableDef(
            table.region,
            table.name,
            table.table_id,
            table.key_schema,
            table.indexes,
            {**table.meta, "active_at": NOT_READY, "import": arn},
        )
        view.create_table(table)
    source = {"S3BucketOwner": ctx.account, **req["S3BucketSource"]}
    record = {
        "arn": arn,
        "status": "IN_PROGRESS",
        "region": ctx.region,
        "table": table.name,
        "table_arn": ctx.table_arn(table.name),
        "table_id": table.table_id if existing is None else str(uuid.uuid4()),
        "creates_table": existing is None,
        "token": req["ClientToken"],
        "source": {k: source[k] for k in ("S3BucketOwner", "S3Bucket", "S3KeyPrefix") if k in source},
        "log_group": log_group_arn(ctx),
        "format": req["InputFormat"],
        "options": req.get("InputFormatOptions"),
        "compression": req.get("InputCompressionType", "NONE"),
        "params": req["TableCreationParameters"],
        "start": round(now, 3),
        "objects": ctx.engine.objects_location(),
    }
    view.put_record(KIND, arn, record)
    view.put_record(JOB, arn, {"arn": arn})
    view.after_commit(ctx.engine.jobs.wake)
    return record


# -- the job ---------------------------------------------------------------------------------


class ErrorLog:
    """The import's error events, one JSON line each. Its length is saved with the job's
    progress, so a resumed import first cuts off what an interrupted batch had logged."""

    def __init__(self, path: str, committed: int) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - closed by close()
        self._file.truncate(committed)
        self._file.seek(committed)
        self.pending = False

    def add(self, record: dict[str, Any], key: str, entry: import_files.Entry, message: str) -> None:
        event = {
            "itemS3Pointer": {"bucket": record["source"]["S3Bucket"], "key": key, "itemIndex": entry.index},
            "importArn": record["arn"],
            "errorMessages": [message],
        }
        self._file.write(orjson.dumps(event) + b"\n")
        self.pending = True

    def sync(self) -> int:
        """Make the events durable (before the batch that counts them commits); the length."""
        if self.pending:
            self._file.flush()
            os.fsync(self._file.fileno())
            self.pending = False
        return self._file.tell()

    def close(self) -> None:
        self._file.close()


def _key_types(table: TableDef) -> dict[str, str]:
    """The typed columns of a CSV import: the key attributes of the table and its indexes."""
    schemas = [table.key_schema, *(index.key_schema for index in table.indexes)]
    return {attr.name: attr.type for schema in schemas for attr in schema.attributes}


def _importable(table: TableDef, item: Item) -> int:
    """The item's size if PutItem would accept it for the table; DynamoError otherwise."""
    check_names(item)
    size = check_item_size(item)
    check_item_key(table.key_schema, item)
    check_index_keys(table, item)
    return size


class ImportJob:
    """Loads an import (see :mod:`dynamo.jobs`).

    Progress is the key of the object being read and how many of its entries are done
    (with the counters and the error log's length), committed with each batch. A resumed
    import lists the source again and goes on from that key, so objects that appear or
    vanish meanwhile never make it read an entry twice or skip one it had not reached.
    """

    kind = JOB

    def run(self, jobs: Jobs, job_id: str, spec: dict[str, Any]) -> None:
        engine = jobs.engine
        with engine.store.read() as view:
            record = view.record(KIND, job_id)
            table = None if record is None else view.table(record["region"], record["table"])
        if record is None:
            engine.store.write(lambda v: v.delete_record(JOB, job_id))
            return
        if not record["creates_table"]:  # another import was creating the table
            message = f"Table already exists: {record['table']}"
            self._finish(jobs, job_id, failed_result(engine, "TableAlreadyExists", message), drop=False)
            return
        if table is None or table.table_id != record["table_id"]:
            self._finish(jobs, job_id, failed_result(engine, "UnknownError", "The table is gone"), drop=False)
            return
        store = object_store.at(record.get("objects") or engine.objects_location())
        source = record["source"]
        log = ErrorLog(error_log_path(engine, record["arn"]), spec.get("log_size", 0))
        try:
            keys = list(store.keys(source["S3Bucket"], source.get("S3KeyPrefix", "")))
            if not self._load(jobs, job_id, spec, record, table, store, keys, log):
                return  # stopping, or the job is no longer ours
        except (NoSuchBucket, AccessDenied, UnstorableKey) as exc:
            code, message = object_store.failure(exc) or ("UnknownError", str(exc))
            self._finish(jobs, job_id, failed_result(engine, code, message), drop=True)
            return
        finally:
            log.close()
        with engine.store.read() as view:
            progress = view.record(JOB, job_id) or spec
        counts = {name: progress.get(name, 0) for name in _COUNTERS}
        result: dict[str, Any] = {"status": "COMPLETED", "end": round(engine.clock(), 3), **counts}
        if counts["errors"]:
            result.update(status="FAILED", failure_code="ItemValidationError", failure_message=FAILED_ITEMS)
        self._finish(jobs, job_id, result, drop=False)

    def _load(
        self,
        jobs: Jobs,
        job_id: str,
        spec: dict[str, Any],
        record: dict[str, Any],
        table: TableDef,
        store: ObjectStore,
        keys: list[tuple[str, int]],
        log: ErrorLog,
    ) -> bool:
        """Load every object from where the job stopped; False if it must stop early."""
        bucket = record["source"]["S3Bucket"]
        types = _key_types(table)
        options = (record.get("options") or {}).get("Csv", {})
        progress = {name: spec.get(name, 0) for name in _COUNTERS}
        current, skip = spec.get("key"), spec.get("entry", 0)
        if current is not None:  # resume at the object being read (or the next one, if gone)
            keys = [entry for entry in keys if entry[0] >= current]
            if not keys or keys[0][0] != current:
                skip = 0
        shown = jobs.progress.setdefault(job_id, Progress())
        total_size = sum(size for _, size in keys) or 1
        done_size = 0
        for key, size in keys:
            with contextlib.closing(store.open(bucket, key)) as opened:
                raw = import_files.Counting(opened)
                found = import_files.entries(raw, record["compression"], record["format"], options, types)
                position = skip
                for _ in islice(found, skip):
                    pass  # done before the restart
                skip = 0
                while batch := list(islice(found, BATCH)):
                    if jobs.stopping:
                        return False
                    items = self._check(batch, record, key, table, log, progress)
                    position += len(batch)
                    saved = {**progress, "key": key, "entry": position, "log_size": log.sync()}
                    write = functools.partial(
                        self._write, jobs=jobs, job_id=job_id, table=table, items=items, progress=saved
                    )
                    if not jobs.engine.store.write(write):
                        return False
                    shown.items, shown.fraction = progress["processed"], (done_size + raw.count) / total_size
            done_size += size
        return True

    @staticmethod
    def _check(
        batch: list[import_files.Entry],
        record: dict[str, Any],
        key: str,
        table: TableDef,
        log: ErrorLog,
        progress: dict[str, int],
    ) -> list[tuple[Item, int]]:
        """The importable items of a batch (with sizes); the others are logged and counted."""
        items = []
        for entry in batch:
            message = entry.error
            if entry.item is not None:
                try:
                    items.append((entry.item, _importable(table, entry.item)))
                except DynamoError as exc:
                    message = exc.message or exc.code
            if message is not None:
                log.add(record, key, entry, message)
                progress["errors"] += 1
            progress["bytes"] += entry.size
        progress["processed"] += len(batch)
        progress["imported"] += len(items)
        return items

    def _write(
        self,
        view: WriteView,
        jobs: Jobs,
        job_id: str,
        table: TableDef,
        items: list[tuple[Item, int]],
        progress: dict[str, Any],
    ) -> bool:
        spec = jobs.held(view, JOB, job_id)
        current = view.table(table.region, table.name)
        if spec is None or current is None or current.table_id != table.table_id:
            return False
        write_items(view, current, items)
        jobs.renew(view, JOB, job_id, spec, **progress)
        return True

    def _finish(self, jobs: Jobs, job_id: str, result: dict[str, Any], *, drop: bool) -> None:
        """Complete the record; the table becomes ACTIVE, or goes (``drop``). Nothing
        happens if another process took the job over meanwhile."""

        def finish(view: WriteView) -> None:
            if jobs.held(view, JOB, job_id) is None:
                return
            record = view.record(KIND, job_id)
            if record is not None:
                view.put_record(KIND, job_id, {**record, **result})
                table = view.table(record["region"], record["table"])
                if table is not None and table.meta.get("import") == job_id:
                    if drop:
                        view.delete_table(table)
                    else:
                        make_active(view, table, result["end"], filled_by="import")
            view.delete_record(JOB, job_id)

        jobs.engine.store.write(finish)

    def abandon(self, jobs: Jobs, job_id: str, spec: dict[str, Any], reason: str) -> None:
        self._finish(jobs, job_id, failed_result(jobs.engine, "UnknownError", reason), drop=True)
