"""Restoring tables (reference 13.2, 13.4): the new table, and filling it in the background.

Both RestoreTableFromBackup and RestoreTableToPointInTime end in a snapshot file of the
items to restore (a backup's, or one written for the point in time) and a source table
definition. :func:`start` checks the overrides, creates the target table CREATING (item
operations on it answer ResourceNotFound until it is ready, as in DynamoDB) and records a
restore job in the same transaction; :class:`Restorer` fills the table from the snapshot
in bounded transactions on a background thread, then makes it ACTIVE. A job interrupted
by a restart is resumed (writing an item twice is harmless).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from dynamo import backups
from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.schemas import check_sse, index_shape, on_demand_shape, throughput_meta, throughput_shape
from dynamo.shapes import Boolean, List, Member, String, Struct
from dynamo.tables import key_schema_json, projection_json
from storage import snapshots
from storage.catalog import IndexDef, TableDef
from storage.store import WriteView

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.restores")
KIND: Final = "restore"
BATCH: Final = 1000
NOT_READY: Final = 1e18  # a restoring table's "active at": never, until the job finishes


def override_members() -> dict[str, Member]:
    """The members both restore operations take to change what they restore."""
    return {
        "BillingModeOverride": Member(String(enum=["PROVISIONED", "PAY_PER_REQUEST"])),
        "GlobalSecondaryIndexOverride": Member(List(index_shape("GlobalSecondaryIndex", global_=True))),
        "LocalSecondaryIndexOverride": Member(List(index_shape("LocalSecondaryIndex", global_=False))),
        "ProvisionedThroughputOverride": Member(throughput_shape()),
        "OnDemandThroughputOverride": Member(on_demand_shape()),
        "SSESpecificationOverride": Member(
            Struct(
                "SSESpecification",
                {
                    "Enabled": Member(Boolean()),
                    "SSEType": Member(String(enum=["AES256", "KMS"])),
                    "KMSMasterKeyId": Member(String(min_len=1)),
                },
            )
        ),
    }


def restoring(table: TableDef) -> bool:
    return "restore" in table.meta


def check_target(view: WriteView | Any, region: str, name: str) -> None:
    """The target name must be free (a table being restored there says so)."""
    existing = view.table(region, name)
    if existing is None:
        return
    if restoring(existing):
        source = existing.meta["restore"].get("SourceBackupArn") or existing.meta["restore"]["SourceTableArn"]
        raise DynamoError(
            "TableInUseException", f"Table: {name} is already being restored from backup: {source}"
        )
    raise DynamoError("TableAlreadyExistsException", f"Table already exists: {name}")


def _index_key(index: IndexDef) -> tuple[Any, Any]:
    return key_schema_json(index.key_schema), projection_json(index)


def _override(
    source: TableDef, kind: str, entries: list[dict[str, Any]] | None
) -> list[tuple[IndexDef, Any]]:
    """The indexes to restore: all of ``kind`` (no override), or those the override names,
    matched by key schema and projection (so an override may rename an index)."""
    candidates = [ix for ix in source.indexes if ix.kind == kind]
    if entries is None:
        return [(ix, None) for ix in candidates]
    chosen = []
    for entry in entries:
        wanted = (entry["KeySchema"], _projection(entry["Projection"]))
        match = next((ix for ix in candidates if _index_key(ix) == wanted), None)
        if match is None:
            raise validation(
                f"Index {entry['IndexName']} does not match a secondary index that existed in the source table "
                "and cannot be created during the restore operation"
            )
        chosen.append(
            (
                IndexDef(
                    entry["IndexName"], kind, match.key_schema, match.projection, match.non_key_attributes
                ),
                entry,
            )
        )
    return chosen


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ProjectionType": projection.get("ProjectionType", "ALL")}
    if out["ProjectionType"] == "INCLUDE":
        out["NonKeyAttributes"] = sorted(projection.get("NonKeyAttributes") or [])
    return out


def _check_on_demand(on_demand: dict[str, int]) -> None:
    for member in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
        value = on_demand.get(member)
        if value is not None and value != -1 and value < 1:
            raise validation(
                f"Invalid Request: Requested {member} for OnDemandThroughput is outside of valid range"
            )


def target_table(
    ctx: Context, source: TableDef, req: dict[str, Any], now: float, summary: dict[str, Any]
) -> TableDef:
    """The table a restore creates from ``source``'s definition and the request's overrides."""
    meta = source.meta
    billing_override = req.get("BillingModeOverride")
    billing = billing_override or meta["billing"]
    throughput = req.get("ProvisionedThroughputOverride")
    on_demand = req.get("OnDemandThroughputOverride")
    if throughput is not None and billing != "PROVISIONED":
        raise validation("Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED")
    if billing_override == "PROVISIONED" and throughput is None and meta["billing"] != "PROVISIONED":
        raise validation("Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED")
    if on_demand is not None:
        if billing != "PAY_PER_REQUEST":
            raise validation(
                "Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride is PAY_PER_REQUEST"
            )
        _check_on_demand(on_demand)
    gsis = _override(source, "GSI", req.get("GlobalSecondaryIndexOverride"))
    lsis = _override(source, "LSI", req.get("LocalSecondaryIndexOverride"))
    settings: dict[str, Any] = {}
    for index, entry in gsis:
        index_throughput = None if entry is None else entry.get("ProvisionedThroughput")
        if billing == "PROVISIONED":
            if entry is not None and index_throughput is None:
                raise validation(f"Must specify provisioned throughput for index {index.name}")
            recorded = meta["indexes"].get(_source_name(source, index), {}).get("throughput")
            if index_throughput is None and (recorded is None or not recorded.get("read")):
                raise validation(f"Must specify provisioned throughput for index {index.name}")
            chosen = throughput_meta(index_throughput) if index_throughput is not None else dict(recorded)
        else:
            if index_throughput is not None and billing_override == "PAY_PER_REQUEST":
                raise validation(
                    f"Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST for index {index.name}"
                )
            chosen = throughput_meta(None)
        settings[index.name] = {"throughput": chosen}
    indexes = tuple(ix for ix, _ in lsis) + tuple(ix for ix, _ in gsis)
    used = set(source.key_schema.names) | {a.name for ix in indexes for a in ix.key_schema.attributes}
    if billing == "PROVISIONED":
        table_throughput = throughput_meta(throughput) if throughput is not None else dict(meta["throughput"])
    else:
        table_throughput = throughput_meta(None)
    sse = (
        meta.get("sse")
        if "SSESpecificationOverride" not in req
        else check_sse(ctx, req["SSESpecificationOverride"])
    )
    new_meta = {
        "attributes": [pair for pair in meta["attributes"] if pair[0] in used],
        "created": round(now, 3),
        "active_at": NOT_READY,
        "billing": billing,
        "billing_updated": round(now, 3),
        "throughput": table_throughput,
        "indexes": settings,
        "tags": [],
        "protected": False,
        "table_class": None,
        "stream": None,
        "sse": sse,
        "on_demand": on_demand
        if on_demand is not None
        else (meta.get("on_demand") if billing == "PAY_PER_REQUEST" else None),
        "restore": summary,
    }
    return TableDef(
        ctx.region, req["TargetTableName"], str(uuid.uuid4()), source.key_schema, indexes, new_meta
    )


def _source_name(source: TableDef, index: IndexDef) -> str:
    """The source's name of a (possibly renamed) restored index."""
    key = _index_key(index)
    return next((ix.name for ix in source.indexes if _index_key(ix) == key), index.name)


def start(
    view: WriteView, target: TableDef, snapshot: str, *, temporary: bool, backup_arn: str | None
) -> None:
    """Create the restore target (CREATING) and its job, in the caller's transaction."""
    check_target(view, target.region, target.name)
    view.create_table(target)
    job = {
        "region": target.region,
        "table": target.name,
        "file": snapshot,
        "temporary": temporary,
        "backup": backup_arn,
    }
    view.put_record(KIND, target.table_id, job)


def in_use(view: WriteView | Any, backup_arn: str) -> bool:
    """Whether a backup is feeding a restore that has not finished."""
    return any(job.get("backup") == backup_arn for _, job in view.records(KIND))


class Restorer:
    """Fills restore targets from their snapshots, one job at a time, on a daemon thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        """A job was recorded (or the engine opened with jobs left): work on it."""
        with self._lock:
            if self._stop.is_set():
                return
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dynamo-restores", daemon=True)
                self._thread.start()
        self._wake.set()

    def resume(self) -> None:
        """Finish the restores a previous run of the engine left unfinished."""
        with self._engine.store.read() as view:
            pending = next(iter(view.records(KIND)), None) is not None
        if pending:
            self.wake()
        else:
            self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no restore is left to do; whether that happened in time."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                while self.run_one():
                    if self._stop.is_set():
                        return
            except Exception:  # a damaged snapshot must not end the service; logged, retried later
                log.exception("restore failed")
                self._stop.wait(5)
                continue
            self._idle.set()
            self._wake.wait()

    def run_one(self) -> bool:
        """Finish one pending restore; False if there was none."""
        with self._engine.store.read() as view:
            job = next(iter(view.records(KIND)), None)
        if job is None:
            return False
        table_id, spec = job
        self._fill(table_id, spec)
        return True

    def _fill(self, table_id: str, job: dict[str, Any]) -> None:
        engine = self._engine
        ctx = engine.context(job["region"])
        path = os.path.join(backups.directory(ctx), job["file"])
        _, entries = snapshots.read(path)
        gone = False
        while not gone:
            batch = list(islice(entries, BATCH))

            def load(view: WriteView, batch: list[Any] = batch) -> bool:
                table = view.table(job["region"], job["table"])
                if table is None or table.table_id != table_id:
                    view.delete_record(KIND, table_id)  # the target was deleted meanwhile
                    return True
                schema = table.key_schema
                for item, size in batch:
                    key = schema.primary_key(item)
                    view.put(table, key, item, size, view.get(table, key))
                if not batch:  # the snapshot is exhausted: the table is ready
                    meta = {k: v for k, v in table.meta.items() if k != "restore"}
                    meta["active_at"] = engine.clock()
                    view.save_table(
                        TableDef(table.region, table.name, table.table_id, schema, table.indexes, meta)
                    )
                    view.delete_record(KIND, table_id)
                    return True
                return False

            gone = engine.store.write(load)
            if self._stop.is_set() and not gone:
                with contextlib.suppress(Exception):
                    entries.close()  # type: ignore[attr-defined]
                return  # resumed at the next start
        if job["temporary"]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
