"""The engine: one data directory, its clock and settings, shared by both front ends.

An :class:`Engine` owns the LMDB store. A :class:`Context` is what an operation sees: the
engine plus the region the request is addressed to (tables live in a region namespace,
as in DynamoDB), built once per region and reused.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from storage.env import DEFAULT_MAP_SIZE, DEFAULT_MAX_DBS, Durability
from storage.store import Store
from streams.model import DEFAULT_ROLLOVER

DEFAULT_REGION: Final = "us-east-1"
DEFAULT_ACCOUNT: Final = "000000000000"
MAX_CACHED_REGIONS: Final = 64

Clock = Callable[[], float]


@dataclass(frozen=True)
class Settings:
    """Behaviour switches of an engine (all have DynamoDB-like defaults)."""

    account_id: str = DEFAULT_ACCOUNT
    #: Seconds a new table stays CREATING (DynamoDB takes seconds; 0 = usable at once,
    #: though the CreateTable response still says CREATING, as DynamoDB's does).
    table_create_delay: float = 0.0
    #: Seconds a GSI added by UpdateTable stays CREATING (Backfilling) before ACTIVE.
    index_create_delay: float = 0.0
    #: Since mid-2026 DynamoDB wraps some PutItem/UpdateItem/DeleteItem validation errors in
    #: "1 validation error detected: " (reference 5.9). False gives the earlier bare texts.
    validation_envelope: bool = True
    #: Seconds after which a stream's open shard is closed and a child shard opened.
    stream_rollover: float = DEFAULT_ROLLOVER
    #: DynamoDB refuses a second UpdateTimeToLive within about an hour; 0 (default) allows it.
    ttl_change_interval: float = 0.0
    #: Seconds between background rounds of TTL sweeping and stream upkeep (0: no thread;
    #: call ``engine.maintenance.run()`` yourself).
    maintenance_interval: float = 5.0
    #: Where backup files go (default: ``backups/`` in the data directory).
    backup_dir: str | None = None
    #: The folder whose subfolders are the S3 buckets of exports and imports (default:
    #: ``s3/`` in the data directory); ignored when ``s3_endpoint`` is set.
    s3_dir: str | None = None
    #: A real S3-compatible server for exports and imports (e.g. http://127.0.0.1:9000).
    s3_endpoint: str | None = None


class Engine:
    """A DynamoDB-compatible database stored in one directory."""

    def __init__(
        self,
        path: str | None = None,
        *,
        durability: Durability = "strict",
        clock: Clock = time.time,
        settings: Settings | None = None,
        map_size: int = DEFAULT_MAP_SIZE,
        max_dbs: int = DEFAULT_MAX_DBS,
    ) -> None:
        self._temporary = path is None
        self.path = tempfile.mkdtemp(prefix="dynamo-") if path is None else path
        self.store = Store(self.path, durability=durability, map_size=map_size, max_dbs=max_dbs)
        self.clock = clock
        self.settings = settings or Settings()
        self._contexts: dict[str, Context] = {}
        self._lock = threading.Lock()
        self.closed = False
        # Imported here: they use the write path, which needs this module's Context.
        from dynamo.exports import ExportJob
        from dynamo.imports import ImportJob
        from dynamo.jobs import Jobs
        from dynamo.maintenance import Maintenance
        from dynamo.restorer import RestoreJob
        from dynamo.table_streams import upgrade
        from dynamo.triggers import Triggers

        upgrade(self)
        self.maintenance = Maintenance(self)
        self.triggers = Triggers(self)
        self.jobs = Jobs(self, [RestoreJob(), ExportJob(), ImportJob()])
        self.jobs.resume()
        self.maintenance.start(self.settings.maintenance_interval)

    def objects_location(self) -> dict[str, str]:
        """Where this engine's exports go and imports come from, as export and import
        records keep it (see :func:`dynamo.object_store.at`)."""
        if self.settings.s3_endpoint:
            return {"endpoint": self.settings.s3_endpoint}
        return {"dir": os.path.abspath(self.settings.s3_dir or os.path.join(self.path, "s3"))}

    def context(self, region: str = DEFAULT_REGION) -> Context:
        """The request context for a region (cached, for a bounded number of regions)."""
        ctx = self._contexts.get(region)
        if ctx is None:
            ctx = Context(self, region)
            with self._lock:
                if len(self._contexts) < MAX_CACHED_REGIONS:
                    ctx = self._contexts.setdefault(region, ctx)
        return ctx

    def close(self) -> None:
        """Stop the background work, then close the store (safe to call twice, from any
        thread, even from a trigger handler)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        try:
            self.maintenance.stop()
            self.jobs.stop()
            self.triggers.close()
        finally:
            self.store.close()
            if self._temporary:
                shutil.rmtree(self.path, ignore_errors=True)


class Context:
    """What an operation sees: the engine and the region a request is addressed to."""

    __slots__ = ("account", "clock", "engine", "region", "settings", "store")

    def __init__(self, engine: Engine, region: str) -> None:
        self.engine = engine
        self.region = region
        self.store = engine.store
        self.clock = engine.clock
        self.settings = engine.settings
        self.account = engine.settings.account_id

    def table_arn(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"
