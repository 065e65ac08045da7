"""A table's stream (reference 12.1): turning it on and off, and feeding it the table's writes.

``TableDef.meta["stream"]`` holds what DescribeTable shows and what the write path needs:
``enabled``, ``view_type``, ``label`` (kept after disabling, as LatestStreamLabel is) and
``log``, the hex id of the stream's change log. The stream itself (shards, status,
records) lives in ``streams/``, written in the same transaction as the table change.
"""

from __future__ import annotations

from typing import Any

from dynamo.engine import Context, Engine
from dynamo.tables import stream_label
from storage.catalog import TableDef
from storage.store import WriteView
from storage.values import Item
from streams import log as streams


def enable(ctx: Context, view: WriteView, table: TableDef, view_type: str, now: float) -> TableDef:
    """The table with a new stream (a new label and ARN, even after an earlier one)."""
    table_arn = ctx.table_arn(table.name)
    # A label is a millisecond timestamp; an earlier stream of a table of this name (still
    # kept, disabled) may have been created in the same millisecond, and ARNs must differ.
    earlier = [s.created for s in streams.every(view.logs) if s.arn.startswith(f"{table_arn}/stream/")]
    created = max([now, *(t + 0.001 for t in earlier)])
    label = stream_label(created)
    schema = [[table.key_schema.hash.name, "HASH"]]
    if table.key_schema.range is not None:
        schema.append([table.key_schema.range.name, "RANGE"])
    stream = streams.create(
        view.logs,
        table_arn=table_arn,
        region=table.region,
        table=table.name,
        table_id=table.table_id,
        label=label,
        view_type=view_type,
        key_schema=schema,
        now=created,
    )
    spec = {"enabled": True, "view_type": view_type, "label": label, "log": stream.log_id.hex()}
    return table.with_meta(stream=spec)


def disable(view: WriteView, table: TableDef, now: float) -> TableDef:
    """The table without an enabled stream; the old stream stays readable for 24 hours."""
    spec: dict[str, Any] = table.meta["stream"]
    stream = streams.load(view.logs, bytes.fromhex(spec["log"]))
    if stream is not None:
        streams.disable(view.logs, stream, now)
    return table.with_meta(stream={**spec, "enabled": False})


def enabled(table: TableDef) -> bool:
    spec = table.meta.get("stream")
    return bool(spec and spec.get("enabled") and "log" in spec)


def _needs_log(table: TableDef) -> bool:
    spec = table.meta.get("stream")
    return bool(spec and spec.get("enabled") and "log" not in spec)


def upgrade(engine: Engine) -> None:
    """Give a stream to the tables that data directories of version 0.1 marked as streamed
    without one (that version stored only the specification)."""
    with engine.store.read() as view:
        if not any(_needs_log(table) for table in view.tables()):
            return

    def add_logs(view: WriteView) -> None:
        for table in view.tables():
            if _needs_log(table):
                ctx = engine.context(table.region)
                view.save_table(enable(ctx, view, table, table.meta["stream"]["view_type"], engine.clock()))

    engine.store.write(add_logs)


def record(
    ctx: Context,
    view: WriteView,
    table: TableDef,
    event: str,
    keys: Item,
    old: Item | None,
    new: Item | None,
    now: float,
    *,
    by_service: bool = False,
) -> None:
    """Record one change of ``table`` (made at ``now``) in its stream, if it has one, in
    the write's transaction."""
    if not enabled(table):
        return
    spec = table.meta["stream"]
    recorded = streams.record(
        view.logs,
        bytes.fromhex(spec["log"]),
        event,
        keys,
        old,
        new,
        now,
        rollover=ctx.settings.stream_rollover,
        by_service=by_service,
    )
    if recorded:
        view.after_commit(ctx.engine.triggers.notify)
