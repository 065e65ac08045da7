"""Stream triggers for embedded users: the local equivalent of a Lambda function
subscribed to a table's stream.

A trigger is a Python callable that receives batches of stream records as a Lambda
function would: ``handler({"Records": [...]})``, each record as GetRecords returns it plus
``eventSourceARN`` (and ``userIdentity`` in Lambda's spelling), so a handler written for
Lambda runs unchanged (one written ``(event, context)`` gets ``None`` as its context). Batches come in order, at least once: the position is saved in the
data directory only after the handler returns, so a failure or a crash means the batch is
delivered again. Positions are keyed by the trigger's name, so a process that registers the same
name again after a restart resumes where the last one stopped.

A trigger follows its table's *current* stream: when a stream is disabled and another
enabled, it finishes the records left in the old one, then starts at the beginning of
the new one.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from storage.changelog import LogReader
from storage.store import WriteView
from streams import log as streams
from streams.reading import wire_records
from streams.records import lambda_form

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.triggers")
Handler = Callable[[dict[str, Any]], object]


MAX_BACKOFF = 60.0


@dataclass
class Trigger:
    name: str
    region: str
    table: str
    handler: Handler
    batch_size: int
    #: where a trigger without a saved position starts: "TRIM_HORIZON" or "LATEST"
    start: str
    #: after a failure, the handler is tried again from this time (monotonic clock)
    retry_at: float = 0.0
    failures: int = 0

    @property
    def consumer(self) -> str:
        """Where its position is saved: per table, so a name reused elsewhere starts afresh."""
        return f"trigger:{self.region}:{self.table}:{self.name}"


class Triggers:
    """The triggers registered with an engine, and the thread that feeds them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._triggers: dict[str, Trigger] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivering = threading.Lock()

    # -- registration ---------------------------------------------------------------------

    def add(self, trigger: Trigger) -> None:
        self._start_position(trigger)
        with self._lock:
            self._triggers[trigger.consumer] = trigger
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dynamo-triggers", daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, name: str) -> None:
        """Stop the triggers of this name (their positions stay saved, for a later ``add``)."""
        with self._lock:
            self._triggers = {k: t for k, t in self._triggers.items() if t.name != name}

    def notify(self) -> None:
        """Something was written to a stream: deliver soon."""
        self._wake.set()

    def close(self) -> None:
        """Stop delivering; waits (up to 10 s) for a handler that is running to return."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():  # close() from a handler
            thread.join(timeout=10)
            if thread.is_alive():
                log.warning("a stream trigger handler is still running after close()")

    # -- delivery -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                while self.deliver() and not self._stop.is_set():
                    pass  # keep going while there is a backlog
            except Exception:  # a bug must not end delivery for good
                log.exception("stream trigger delivery failed")

    def deliver(self) -> int:
        """Give each trigger its next batch, if any; how many records were delivered."""
        with self._lock:
            triggers = list(self._triggers.values())
        with self._delivering:  # one delivery at a time: a handler never runs twice at once
            now = time.monotonic()
            return sum(self._deliver_one(trigger) for trigger in triggers if trigger.retry_at <= now)

    def _deliver_one(self, trigger: Trigger) -> int:
        store = self._engine.store
        with store.read() as view:
            table = view.table(trigger.region, trigger.table)
            spec = None if table is None else table.meta.get("stream")
            if spec is None or "log" not in spec:
                return 0
            current = bytes.fromhex(spec["log"])
            position = view.logs.consumer(trigger.consumer)
            log_id, next_seq = self._resume(view.logs, position, current)
            stream = streams.load(view.logs, log_id)
            if stream is None:
                return 0
            first = max(next_seq, stream.trimmed_before)  # trimmed records are gone for everyone
            batch = list(islice(view.logs.records(log_id, first), trigger.batch_size))
        if not batch:
            if log_id != current:  # the old stream is drained: move on to the new one
                self._save(trigger, current, 0)
                return 1
            return 0
        event = {"Records": [lambda_form(record, stream.arn) for record in wire_records(stream, batch)]}
        try:
            if _takes_context(trigger.handler):
                trigger.handler(event, None)  # type: ignore[call-arg]
            else:
                trigger.handler(event)
        except Exception:
            trigger.failures += 1
            delay = min(MAX_BACKOFF, 2.0 ** (trigger.failures - 1))
            trigger.retry_at = time.monotonic() + delay
            log.warning(
                "stream trigger %s failed (%d in a row); the batch is delivered again in %.0f s",
                trigger.name,
                trigger.failures,
                delay,
                exc_info=trigger.failures == 1,
            )
            return 0
        trigger.failures = 0
        self._save(trigger, log_id, batch[-1][0] + 1)
        return len(batch)

    def _start_position(self, trigger: Trigger) -> None:
        """A new trigger's position: the oldest record kept, or (LATEST) the next one to
        be written, whether or not its table has a stream yet."""

        def start(view: WriteView) -> None:
            if view.logs.consumer(trigger.consumer) is not None:
                return  # known: resume where it stopped
            table = view.table(trigger.region, trigger.table)
            spec = None if table is None else table.meta.get("stream")
            log_hex = spec.get("log") if spec else None
            next_seq = view.logs.last_sequence() + 1 if trigger.start == "LATEST" else 0
            view.logs.save_consumer(trigger.consumer, {"log": log_hex, "next": next_seq})

        self._engine.store.write(start)

    @staticmethod
    def _resume(logs: LogReader, position: Any, current: bytes) -> tuple[bytes, int]:
        """(log, next sequence number) a trigger reads from."""
        if position is None:
            return current, 0
        if position["log"] is None:  # registered before the table had a stream
            return current, int(position["next"])
        log_id = bytes.fromhex(position["log"])
        if log_id == current or logs.descriptor(log_id) is not None:
            return log_id, int(position["next"])
        return current, 0  # its stream is gone (trimmed): the oldest record of the current one

    def _save(self, trigger: Trigger, log_id: bytes, next_seq: int) -> None:
        def save(view: WriteView) -> None:
            view.logs.save_consumer(trigger.consumer, {"log": log_id.hex(), "next": next_seq})

        self._engine.store.write(save)


def _takes_context(handler: Handler) -> bool:
    """Whether a handler is written ``(event, context)``, as Lambda handlers are."""
    try:
        parameters = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 and positional[1].default is inspect.Parameter.empty
