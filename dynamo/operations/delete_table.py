"""DeleteTable: the table, its indexes and its statistics go in one transaction.

A table with point-in-time recovery leaves a SYSTEM backup, as in DynamoDB. Its snapshot
is written from a read transaction first, so the writer is not held up while a large
table is copied; the delete then commits only if the table's history shows no change
since (otherwise the snapshot is taken again, the last time under the write lock).
"""

from __future__ import annotations

import functools
from typing import Any, Final

from dynamo import backups, pitr, table_streams
from dynamo.engine import Context
from dynamo.errors import resource_in_use, validation
from dynamo.operations import Operation
from dynamo.params import control_table_name
from dynamo.shapes import Request
from dynamo.tables import control_table, describe, is_active
from storage.catalog import TableDef
from storage.store import ReadView, WriteView

REQUEST = Request("DeleteTableInput", {"TableName": control_table_name()})

PROTECTED = "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
ATTEMPTS: Final = 3


class _ChangedMeanwhile(Exception):
    """The table was written after its final backup was taken: take it again."""


def _final_backup(ctx: Context, view: ReadView, table: TableDef, now: float) -> tuple[dict[str, Any], Any]:
    """The SYSTEM backup of a PITR table about to go, and the history mark it reflects."""
    mark = view.last_change(table)
    record = backups.take(ctx, view, table, f"{table.name}$DeletedTableBackup", now, system=True)
    return record, mark


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    now = ctx.clock()

    def delete(view: WriteView, prepared: tuple[dict[str, Any], Any] | None) -> dict[str, Any]:
        table = control_table(ctx, view, req["TableName"])
        if not is_active(ctx, table):
            raise resource_in_use(
                f"Attempt to change a resource which is still in use: Table is being created: {table.name}"
            )
        if table.meta.get("protected"):
            raise validation(PROTECTED)
        description = describe(ctx, view, table, "delete")
        if table_streams.enabled(table):  # the stream outlives the table, DISABLED, for 24 hours
            table = table_streams.disable(view, table, now)
        if pitr.enabled(table):  # DynamoDB keeps a SYSTEM backup of a PITR table for 35 days
            if prepared is None:
                prepared = _final_backup(ctx, view, table, now)
            record, mark = prepared
            if record["source"]["TableId"] != table.table_id or view.last_change(table) != mark:
                raise _ChangedMeanwhile
            view.put_record(backups.KIND, record["arn"], record)
        view.delete_table(table)
        return {"TableDescription": description}

    for _ in range(ATTEMPTS):
        with ctx.store.read() as view:
            table = control_table(ctx, view, req["TableName"])
            prepared = (
                _final_backup(ctx, view, table, now)
                if pitr.enabled(table) and is_active(ctx, table)
                else None
            )
        try:
            return ctx.store.write(functools.partial(delete, prepared=prepared))
        except _ChangedMeanwhile:
            pass
        except BaseException:
            if prepared is not None:
                backups.remove_file(ctx, prepared[0])
            raise
        if prepared is not None:
            backups.remove_file(ctx, prepared[0])
    return ctx.store.write(functools.partial(delete, prepared=None))  # busy table: copy it under the lock


# Not on the writer thread: a PITR table's final backup is copied before the delete commits.
OPERATION = Operation("DeleteTable", REQUEST, run, blocking=True)
