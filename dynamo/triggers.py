"""Stream triggers for embedded users: the local equivalent of a Lambda function
subscribed to a table's stream.

A trigger is a Python callable that receives batches of stream records (exactly as
GetRecords returns them), in order, at least once: its position is saved in the data
directory only after it returns, so a failure or a crash means the batch is delivered
again. Positions are keyed by the trigger's name, so a process that registers the same
name again after a restart resumes where the last one stopped.

A trigger follows its table's *current* stream: when a stream is disabled and another
enabled, it finishes the records left in the old one, then starts at the beginning of
the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from storage.changelog import LogReader
from storage.store import WriteView
from streams import log as streams
from streams.reading import wire_records

if TYPE_CHECKING:
    from dynamo.engine import Engine

log = logging.getLogger("dynamo.triggers")
Handler = Callable[[list[dict[str, Any]]], object]


@dataclass
class Trigger:
    name: str
    region: str
    table: str
    handler: Handler
    batch_size: int
    #: where a trigger without a saved position starts: "TRIM_HORIZON" or "LATEST"
    start: str


class Triggers:
    """The triggers registered with an engine, and the thread that feeds them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._triggers: dict[str, Trigger] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- registration ---------------------------------------------------------------------

    def add(self, trigger: Trigger) -> None:
        self._start_position(trigger)
        with self._lock:
            self._triggers[trigger.name] = trigger
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dynamo-triggers", daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, name: str) -> None:
        with self._lock:
            self._triggers.pop(name, None)

    def notify(self) -> None:
        """Something was written to a stream: deliver soon."""
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

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
        return sum(self._deliver_one(trigger) for trigger in triggers)

    def _deliver_one(self, trigger: Trigger) -> int:
        store = self._engine.store
        with store.read() as view:
            table = view.table(trigger.region, trigger.table)
            spec = None if table is None else table.meta.get("stream")
            if spec is None:
                return 0
            current = bytes.fromhex(spec["log"])
            position = view.logs.consumer(_consumer(trigger.name))
            log_id, next_seq = self._resume(view.logs, trigger, position, current)
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
        records = wire_records(stream, batch)
        try:
            trigger.handler(records)
        except Exception:
            log.exception("stream trigger %s failed; the batch will be delivered again", trigger.name)
            return 0
        self._save(trigger, log_id, batch[-1][0] + 1)
        return len(batch)

    def _start_position(self, trigger: Trigger) -> None:
        """A new trigger's position: the oldest record kept, or (LATEST) the next one."""

        def start(view: WriteView) -> None:
            name = _consumer(trigger.name)
            table = view.table(trigger.region, trigger.table)
            spec = None if table is None else table.meta.get("stream")
            if view.logs.consumer(name) is not None or spec is None:
                return
            next_seq = view.logs.last_sequence() + 1 if trigger.start == "LATEST" else 0
            view.logs.save_consumer(name, {"log": spec["log"], "next": next_seq})

        self._engine.store.write(start)

    @staticmethod
    def _resume(logs: LogReader, trigger: Trigger, position: Any, current: bytes) -> tuple[bytes, int]:
        """(log, next sequence number) a trigger reads from."""
        if position is not None:
            log_id = bytes.fromhex(position["log"])
            if log_id == current or logs.descriptor(log_id) is not None:
                return log_id, int(position["next"])
        return current, 0  # no position yet, or its stream is gone: the oldest record kept

    def _save(self, trigger: Trigger, log_id: bytes, next_seq: int) -> None:
        def save(view: WriteView) -> None:
            view.logs.save_consumer(_consumer(trigger.name), {"log": log_id.hex(), "next": next_seq})

        self._engine.store.write(save)


def _consumer(name: str) -> str:
    return f"trigger:{name}"
