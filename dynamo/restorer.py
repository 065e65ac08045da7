"""Filling a restore target in the background (a :mod:`dynamo.jobs` kind).

A job (recorded by :func:`dynamo.restore_requests.begin`) names the target table and the
snapshot file of its items. The items are loaded in 1,000-item transactions that also
count them in the job record and renew its lease; the last one makes the table ACTIVE and
deletes the job. Because the count commits with each batch, a job resumes exactly where it
stopped after a restart, and nothing is written twice (or after the table is ACTIVE). A
snapshot that is missing or damaged can never be restored: the target table is removed
(so its name is free again and its backup usable) and the failure logged.
"""

from __future__ import annotations

import contextlib
import functools
import os
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from dynamo.jobs import Hopeless, Jobs
from dynamo.keys import index_keys_acceptable
from dynamo.restore_requests import KIND
from storage import snapshots
from storage.catalog import IndexDef, TableDef
from storage.errors import CorruptStore
from storage.store import WriteView
from storage.values import Item

if TYPE_CHECKING:
    from collections.abc import Iterator

BATCH: Final = 1000


def write_items(view: WriteView, table: TableDef, batch: list[tuple[Item, int]]) -> None:
    """Put items (with their sizes) into a table being filled (restores, imports): as
    PutItem would, with their index entries, but no condition, capacity or stream."""
    schema = table.key_schema

    def indexable(index: IndexDef, item: Item) -> bool:
        return index_keys_acceptable(table, index, item)

    for item, size in batch:
        key = schema.primary_key(item)
        view.put(table, key, item, size, view.get(table, key), indexable=indexable)


def make_active(view: WriteView, table: TableDef, now: float, *, filled_by: str) -> None:
    """The filled table becomes ACTIVE (``filled_by``: the meta entry that marked it)."""
    meta = {k: v for k, v in table.meta.items() if k != filled_by}
    meta["active_at"] = now
    view.save_table(TableDef(table.region, table.name, table.table_id, table.key_schema, table.indexes, meta))


class RestoreJob:
    """Fills a restore target from its snapshot (see :mod:`dynamo.jobs`)."""

    kind = KIND

    def run(self, jobs: Jobs, job_id: str, spec: dict[str, Any]) -> None:
        try:
            _, entries = snapshots.read(spec["file"])
        except (CorruptStore, OSError, ValueError) as exc:
            raise Hopeless(f"its snapshot cannot be read: {exc}") from exc
        try:
            remaining: Iterator[tuple[Item, int]] = islice(entries, spec.get("done", 0), None)
            while not jobs.stopping:
                batch = list(islice(remaining, BATCH))
                load = functools.partial(self._load, jobs=jobs, job_id=job_id, batch=batch)
                if not jobs.engine.store.write(load):
                    break
            else:
                return  # stopping: the job resumes at the next start
        except (CorruptStore, OSError, ValueError) as exc:
            raise Hopeless(f"its snapshot is damaged: {exc}") from exc
        finally:
            entries.close()  # type: ignore[attr-defined]
        if spec["temporary"]:
            _remove(spec["file"])

    def _load(self, view: WriteView, jobs: Jobs, job_id: str, batch: list[tuple[Item, int]]) -> bool:
        """Write one batch; False when the job is over (done, gone, or no longer ours)."""
        spec = jobs.held(view, KIND, job_id)
        if spec is None:
            return False  # finished or taken over by another process meanwhile
        table = view.table(spec["region"], spec["table"])
        if table is None or table.table_id != job_id:
            view.delete_record(KIND, job_id)  # the target is gone
            return False
        write_items(view, table, batch)
        if batch:
            jobs.renew(view, KIND, job_id, spec, done=spec.get("done", 0) + len(batch))
            return True
        make_active(view, table, jobs.engine.clock(), filled_by="restore")  # the snapshot is exhausted
        view.delete_record(KIND, job_id)
        return False

    def abandon(self, jobs: Jobs, job_id: str, spec: dict[str, Any], reason: str) -> None:
        """The target table goes (so its name is free and its backup usable again)."""

        def drop(view: WriteView) -> None:
            table = view.table(spec["region"], spec["table"])
            if table is not None and table.table_id == job_id:
                view.delete_table(table)
            view.delete_record(KIND, job_id)

        jobs.engine.store.write(drop)
        if spec["temporary"]:
            _remove(spec["file"])


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
