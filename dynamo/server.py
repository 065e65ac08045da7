"""Running the HTTP server: uvicorn around :class:`dynamo.http.App`, clean shutdown."""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import tempfile
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn

from dynamo.engine import Engine
from dynamo.http import App
from storage.env import Durability

log = logging.getLogger("dynamo")


class _Server(uvicorn.Server):
    """uvicorn's server, with our signal handling.

    uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would end the
    process before the engine is closed (and an ``--in-memory`` directory removed). Here
    the first signal asks for a graceful stop, a second forces it, and ``serve`` returns.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(signum: int, frame: FrameType | None) -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

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
    **engine_options: Any,
) -> None:
    """Serve a data directory (or, ``in_memory``, a temporary one deleted on exit) until
    SIGINT/SIGTERM; uvicorn finishes in-flight requests before the engine closes."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    path = tempfile.mkdtemp(prefix="dynamo-mem-") if in_memory or data_dir is None else data_dir
    engine = Engine(path, durability=durability, **engine_options)
    try:
        config = uvicorn.Config(
            App(engine),
            host=host,
            port=port,
            lifespan="on",
            server_header=False,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=10,
        )
        server = _Server(config)
        shown = f"{path} (temporary, deleted on exit)" if path != data_dir else path
        log.info("dynamo serving http://%s:%d data dir %s durability %s", host, port, shown, durability)
        server.run()
    finally:
        engine.close()
        if path != data_dir:
            shutil.rmtree(path, ignore_errors=True)
        log.info("dynamo stopped")
