"""The services beside requests: TTL sweeping, stream trimming and shard rollover.

Each is a plain bounded function (callable directly, with any ``now``, which is how the
tests drive them); :class:`Maintenance` runs them every ``interval`` seconds on a daemon
thread when the engine is configured to (the server always is; embedded users can switch
it off and call :meth:`Maintenance.run` themselves).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from dynamo.ttl import Sweeper
from storage.store import WriteView
from streams import log as streams

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.maintenance")


class Maintenance:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.sweeper = Sweeper(engine)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_ttl(self, now: float | None = None, budget: int = 100_000) -> int:
        """Delete expired items (examining at most ``budget``); how many were deleted."""
        return self.sweeper.sweep(now, budget)

    def maintain_streams(self, now: float | None = None) -> int:
        """Roll over shards that are due, trim records older than 24 hours and drop
        streams disabled for 24 hours; how many records were trimmed."""
        engine = self._engine
        when = engine.clock() if now is None else now
        rollover = engine.settings.stream_rollover

        def maintain(view: WriteView) -> int:
            trimmed = 0
            for stream in streams.every(view.logs):
                if stream.disabled is None:
                    streams.roll_over_if_due(view.logs, stream, when, rollover)
                trimmed += streams.trim(view.logs, stream, when)
            return trimmed

        return engine.store.write(maintain)

    def run(self, now: float | None = None) -> tuple[int, int]:
        """One round of everything: (items expired, stream records trimmed)."""
        return self.sweep_ttl(now), self.maintain_streams(now)

    # -- the background thread ------------------------------------------------------------

    def start(self, interval: float) -> None:
        if self._thread is not None or interval <= 0:
            return
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="dynamo-maintenance", daemon=True
        )
        self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.run()
            except Exception:  # keep the service alive; the next round tries again
                log.exception("background maintenance failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
