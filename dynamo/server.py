"""Running the HTTP server: uvicorn around :class:`dynamo.http.App`, clean shutdown.

With a cache port, one process serves two endpoints over the same engine: the main port,
uncached, and the cache port with a :class:`dynamo.cache.Cache` in front (as an
application points at a DAX cluster), both on one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn

from dynamo.cache import Cache, CacheSettings
from dynamo.engine import Engine
from dynamo.http import App
from storage.env import Durability

log = logging.getLogger("dynamo")


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
    **engine_options: Any,
) -> None:
    """Serve a data directory (or, ``in_memory``, a temporary one deleted on exit) until
    SIGINT/SIGTERM; uvicorn finishes in-flight requests before the engine closes.
    ``dax_port`` also serves the cache endpoint (``cache`` settings) on that port."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    path = tempfile.mkdtemp(prefix="dynamo-mem-") if in_memory or data_dir is None else data_dir
    engine = Engine(path, durability=durability, **engine_options)
    front = None
    try:
        server = _Server(_config(App(engine), host, port))
        shown = f"{path} (temporary, deleted on exit)" if path != data_dir else path
        log.info("dynamo serving http://%s:%d data dir %s durability %s", host, port, shown, durability)
        if dax_port is None:
            server.run()
        else:
            front = Cache(engine, cache)
            follower = _Server(_config(App(engine, cache=front), host, dax_port), leader=False)
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


def _config(app: App, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        server_header=False,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
