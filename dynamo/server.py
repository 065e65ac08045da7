"""Running the HTTP server: uvicorn around :class:`dynamo.http.App` (speaking HTTP/1.1
with :class:`dynamo.http_protocol.DynamoProtocol`), clean shutdown.

With a cache port, one process serves two endpoints over the same engine: the main port,
uncached, and the cache port with a :class:`dynamo.cache.Cache` in front (as an
application points at a DAX cluster), both on one event loop.

With ``workers`` > 1, uvicorn's supervisor runs that many processes on one listening
socket, each with its own engine over the same LMDB directory (LMDB is multi-process:
readers never block, writers take turns, and each engine reloads the catalog when another
process changes it). One worker, the first to lock ``maintenance.lock``, runs TTL sweeps
and stream upkeep.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from dynamo.cache import Cache, CacheSettings
from dynamo.engine import Engine, Settings
from dynamo.http import App
from dynamo.http_protocol import DynamoProtocol
from storage.env import Durability

log = logging.getLogger("dynamo")

#: How the supervisor tells its worker processes what to serve (JSON).
WORKER_OPTIONS = "DYNAMO_SERVE_WORKER"
_maintenance_lock: int | None = None  # held for the worker's lifetime once taken


class _Server(uvicorn.Server):
    """uvicorn's server, with our signal handling.

    uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would end the
    process before the engine is closed (and an ``--in-memory`` directory removed). Here
    the first signal asks for a graceful stop, a second forces it, and ``serve`` returns.
    Servers in ``followers`` (the cache endpoint) stop with their leader and handle no
    signals themselves.
    """

    def __init__(self, config: uvicorn.Config, *, leader: bool = True) -> None:
        super().__init__(config)
        self.leader = leader
        self.followers: tuple[_Server, ...] = ()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if not self.leader:
            yield
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            for server in (self, *self.followers):
                if server.should_exit:
                    server.force_exit = True
                server.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: str | None = "./dynamo-data",
    in_memory: bool = False,
    durability: Durability = "strict",
    log_level: str = "info",
    dax_port: int | None = None,
    cache: CacheSettings | None = None,
    workers: int = 1,
    **engine_options: Any,
) -> None:
    """Serve a data directory (or, ``in_memory``, a temporary one deleted on exit) until
    SIGINT/SIGTERM; uvicorn finishes in-flight requests before the engine closes.
    ``dax_port`` also serves the cache endpoint (``cache`` settings) on that port."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    path = tempfile.mkdtemp(prefix="dynamo-mem-") if in_memory or data_dir is None else data_dir
    if workers > 1:
        try:
            _serve_workers(path, host, port, workers, durability, data_dir, **engine_options)
        finally:
            if path != data_dir:
                shutil.rmtree(path, ignore_errors=True)
            log.info("dynamo stopped")
        return
    engine = Engine(path, durability=durability, **engine_options)
    front = None
    try:
        server = _Server(uvicorn_config(App(engine), host, port))
        shown = f"{path} (temporary, deleted on exit)" if path != data_dir else path
        log.info("dynamo serving http://%s:%d data dir %s durability %s", host, port, shown, durability)
        if dax_port is None:
            server.run()
        else:
            front = Cache(engine, cache)
            follower = _Server(uvicorn_config(App(engine, cache=front), host, dax_port), leader=False)
            server.followers = (follower,)
            # Both ports bound before either serves: a busy port ends the process with
            # uvicorn's one error line, before anything claims to be serving.
            main_socket = server.config.bind_socket()
            cache_socket = follower.config.bind_socket()
            settings = front.settings
            log.info(
                "cache endpoint http://%s:%d mode %s item TTL %gs query TTL %gs",
                host,
                dax_port,
                settings.mode,
                settings.item_ttl,
                settings.query_ttl,
            )

            async def both() -> None:
                await asyncio.gather(server.serve([main_socket]), follower.serve([cache_socket]))

            with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
                runner.run(both())
    finally:
        if front is not None:
            front.close()
        engine.close()
        if path != data_dir:
            shutil.rmtree(path, ignore_errors=True)
        log.info("dynamo stopped")


def _serve_workers(
    path: str,
    host: str,
    port: int,
    workers: int,
    durability: Durability,
    data_dir: str | None,
    **options: Any,
) -> None:
    settings: Settings = options.get("settings") or Settings()
    max_dbs = options.get("max_dbs", 1024)
    # The directory is initialised once, here, before any worker opens it.
    Engine(
        path,
        durability=durability,
        settings=dataclasses.replace(settings, maintenance_interval=0),
        max_dbs=max_dbs,
    ).close()
    os.environ[WORKER_OPTIONS] = json.dumps(
        {"path": path, "durability": durability, "settings": dataclasses.asdict(settings), "max_dbs": max_dbs}
    )
    config = uvicorn_config("dynamo.server:worker_app", host, port, factory=True, workers=workers)
    sock = config.bind_socket()
    shown = f"{path} (temporary, deleted on exit)" if path != data_dir else path
    log.info(
        "dynamo serving http://%s:%d data dir %s durability %s workers %d",
        host,
        port,
        shown,
        durability,
        workers,
    )
    Multiprocess(config, sockets=[sock]).run()


def worker_app() -> App:
    """The application of one worker process: its own engine on the shared directory."""
    options = json.loads(os.environ[WORKER_OPTIONS])
    settings = Settings(**options["settings"])
    interval = settings.maintenance_interval
    path = options["path"]
    leading = interval > 0 and _take_maintenance(path)
    if not leading:
        settings = dataclasses.replace(settings, maintenance_interval=0)
    engine = Engine(path, durability=options["durability"], settings=settings, max_dbs=options["max_dbs"])
    if interval > 0 and not leading:
        # Another worker maintains; should it go (a restart, SIGHUP), this one takes over.
        def wait_for_lead() -> None:
            while not engine.closed:
                if _take_maintenance(path):
                    engine.maintenance.start(interval)
                    return
                time.sleep(min(interval, 5.0))

        threading.Thread(target=wait_for_lead, name="dynamo-maintenance-standby", daemon=True).start()
    return App(engine, on_shutdown=engine.close)


def _take_maintenance(path: str) -> bool:
    """Whether this worker is the one that runs background maintenance (an flock held for
    the process's lifetime; the lock goes with the process, so a restarted worker can take it)."""
    global _maintenance_lock
    fd = os.open(os.path.join(path, "maintenance.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _maintenance_lock = fd
    return True


def uvicorn_config(app: App | str, host: str, port: int, **extra: Any) -> uvicorn.Config:
    """uvicorn as every port is served (``extra``: a worker factory's options, a test's
    keep-alive timeout)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        **extra,
        http=DynamoProtocol,
        proxy_headers=False,
        lifespan="on",
        server_header=False,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
