"""DeleteTable: the table, its indexes and its statistics go in one transaction."""

from __future__ import annotations

from typing import Any

from dynamo import backups, pitr, table_streams
from dynamo.engine import Context
from dynamo.errors import resource_in_use, validation
from dynamo.operations import Operation
from dynamo.params import control_table_name
from dynamo.shapes import Request
from dynamo.tables import control_table, describe, is_active
from storage.store import WriteView

REQUEST = Request("DeleteTableInput", {"TableName": control_table_name()})

PROTECTED = "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    def delete(view: WriteView) -> dict[str, Any]:
        table = control_table(ctx, view, req["TableName"])
        if not is_active(ctx, table):
            raise resource_in_use(
                f"Attempt to change a resource which is still in use: Table is being created: {table.name}"
            )
        if table.meta.get("protected"):
            raise validation(PROTECTED)
        description = describe(ctx, view, table, "delete")
        now = ctx.clock()
        if table_streams.enabled(table):  # the stream outlives the table, DISABLED, for 24 hours
            table = table_streams.disable(view, table, now)
        if pitr.enabled(table):  # DynamoDB keeps a SYSTEM backup of a PITR table for 35 days
            record = backups.take(ctx, view, table, f"{table.name}$DeletedTableBackup", now, system=True)
            view.put_record(backups.KIND, record["arn"], record)
        view.delete_table(table)
        return {"TableDescription": description}

    return ctx.store.write(delete)


OPERATION = Operation("DeleteTable", REQUEST, run, writes=True)
