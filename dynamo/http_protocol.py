"""HTTP/1.1 for ``dynamo serve``: httptools parsing straight into :meth:`App.respond`.

uvicorn runs the server (sockets, workers, signals, lifespan, graceful shutdown, the Date
header); this is the protocol class it is configured with (``http=DynamoProtocol``), in
place of its ASGI one. Why: a DynamoDB request is one small JSON body in and one out, and
under ASGI each request costs a task, two coroutines, message dicts and two socket writes
(headers, then body). On loopback a socket write runs the receiving side's TCP path too,
so the second write alone cost a GetItem about as much as reading the item. Here a request
is parsed into a dict of headers and a body, answered inline when it is a read, and the
reply leaves in one write. Writes still run on the App's writer threads; their replies come
back to the loop with ``call_soon_threadsafe``.

HTTP/1.1 as clients use it: keep-alive (and HTTP/1.0 ``Connection: close``), pipelining
(replies in request order), chunked request bodies, ``Expect: 100-continue``, the 16 MiB
body limit (413), 400 for unparseable requests, the keep-alive timeout, and a
graceful shutdown that finishes the replies in flight. Anything that speaks ASGI can still
serve :class:`App` (tests do); both go through ``App.respond``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from http import HTTPStatus
from typing import Any, Final, NamedTuple, cast

import httptools

from dynamo.http import MAX_BODY, Reply, declares_too_much

log = logging.getLogger("dynamo.http")

#: Queued requests on one connection (pipelining) before it stops reading.
MAX_PIPELINE: Final = 16
STATUS_LINES: Final = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode() for s in HTTPStatus}
CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"
BAD_REQUEST: Final = b"Invalid HTTP request received."


#: Header names as sent -> as the App reads them (lower case); every request repeats them.
_HEADER_NAMES: dict[bytes, str] = {}


class Request(NamedTuple):
    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes | None  # None: over the 16 MiB limit
    keep_alive: bool
    http10: bool  # HTTP/1.0: keep-alive only when asked for, and said so in the reply


#: What a reply outside the DynamoDB protocol answers: it is the connection's last.
_LAST_WORD: Final = Request("POST", "/", b"", {}, b"", keep_alive=False, http10=False)


class DynamoProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection, made by uvicorn's server for each client."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any] | None = None,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.responder = _responder(config.loaded_app)
        self.loop = _loop or asyncio.get_event_loop()
        self.server_state = server_state
        self.keep_alive_timeout: float = config.timeout_keep_alive
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.queue: deque[Request] = deque()
        self.in_flight: Request | None = None  # the request whose reply is computed on a thread
        self._later = self._from_thread  # bound once: respond() takes it for every request
        self.closing = False  # close once the queued replies are written
        self.reading = True
        self.writable = True
        self.timer: asyncio.TimerHandle | None = None
        self.partial = False  # a request has begun but not ended
        self.broken = False  # unparseable bytes arrived: 400 once the replies owed are sent
        self.served = 0  # moves with every request and reply (the idle timer's clock)
        # The request being parsed.
        self.url = b""
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.size = 0
        self.too_large = False  # the body is over 16 MiB
        self.answered = False  # ... and was refused before it was sent (100-continue)
        self.continue_owed = False  # it asked for 100 Continue, not sent yet

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.server_state.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self.closing = True
        self.queue.clear()
        self._cancel_timer()

    def data_received(self, data: bytes) -> None:
        self.served += 1  # activity: the idle timer starts over
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No upgrades (h2c, websockets): the request is answered as plain HTTP/1.1 and
            # the connection closes, as what follows it on the wire is no longer HTTP/1.1.
            self._last_request_closes()
        except httptools.HttpParserError:
            # Answered (400, then close) after the replies owed to the requests before it.
            log.warning("Invalid HTTP request received.")
            self.broken = True
            self._pause_reading()
        self._next()

    def eof_received(self) -> bool | None:
        return None  # the transport closes; replies in flight are dropped with it

    def pause_writing(self) -> None:
        self.writable = False
        self._pause_reading()

    def resume_writing(self) -> None:
        self.writable = True
        self._next()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close when idle, else after the replies in flight."""
        self.closing = True
        if not self.in_flight and not self.queue and self.transport is not None:
            self.transport.close()

    # httptools callbacks

    def on_message_begin(self) -> None:
        self.partial = True
        self.url = b""
        self.headers = {}
        self.chunks = []
        self.size = 0
        self.too_large = False
        self.answered = False
        self.continue_owed = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key = _HEADER_NAMES.get(name)
        if key is None:
            key = name.decode("latin-1").lower()
            if len(_HEADER_NAMES) < 256:  # the names clients send are few; strangers are not kept
                _HEADER_NAMES[name] = key
        self.headers[key] = value.decode("latin-1").rstrip(" \t")  # optional whitespace

    def on_headers_complete(self) -> None:
        expects = self.headers.get("expect", "").lower() == "100-continue"
        if declares_too_much(self.headers):
            self.too_large = True
            if expects:  # the client waits for our word before sending the body: 413 now
                self.answered = True
                self._queue(None, keep_alive=False)
                self._pause_reading()
        elif expects:
            # Sent when this request's turn comes: before the replies still owed to earlier
            # requests, a client would take the 100 for theirs.
            self.continue_owed = True
            self._send_continue()

    def on_body(self, body: bytes) -> None:
        if self.too_large:
            return  # read to its end and dropped: the 413 follows it
        self.size += len(body)
        if self.size > MAX_BODY:
            self.too_large = True
            self.chunks = []
        else:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.partial = False
        self.continue_owed = False
        chunks, self.chunks = self.chunks, []  # the body lives on in the request only
        if self.answered:
            return
        keep_alive = self.parser.should_keep_alive()
        if self.too_large:
            # A body over 16 MiB is answered 413 once it has been read (a client writing
            # its body does not read; closing on it would be a reset, not an answer).
            self._queue(None, keep_alive)
        else:
            self._queue(chunks[0] if len(chunks) == 1 else b"".join(chunks), keep_alive)

    def _send_continue(self) -> None:
        """``100 Continue`` for the request being received, once nothing is owed before it."""
        if self.continue_owed and not self.queue and not self.in_flight and self.transport is not None:
            self.continue_owed = False
            self.transport.write(CONTINUE)

    def _last_request_closes(self) -> None:
        if self.queue:
            self.queue[-1] = self.queue[-1]._replace(keep_alive=False)
        self._pause_reading()

    def _queue(self, body: bytes | None, keep_alive: bool) -> None:
        method = self.parser.get_method().decode("ascii")
        if self.url == b"/":  # what SDKs send
            path, query = "/", b""
        else:
            url = httptools.parse_url(self.url)
            path, query = (url.path or b"/").decode("latin-1"), url.query or b""
        http10 = self.parser.get_http_version() == "1.0"
        self.queue.append(Request(method, path, query, self.headers, body, keep_alive, http10))
        if len(self.queue) >= MAX_PIPELINE:
            self._pause_reading()

    # Replies

    def _next(self) -> None:
        """Answer queued requests in order while nothing is pending on a thread."""
        if self.transport is None:
            return
        while self.queue and not self.in_flight and self.writable and not self.closing:
            if self.transport.is_closing():  # the client is gone: run nothing more for it
                self.queue.clear()
                return
            request = self.queue.popleft()
            try:
                reply = self.responder.respond(
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    request.body,
                    self._later,
                )
            except Exception:  # App.respond answers its own failures; this is a last resort
                log.exception("unexpected error answering %s %s", request.method, request.path)
                self._fail(500, b"Internal Server Error")
                return
            if reply is None:  # computed on a thread: _from_thread brings it back
                self.in_flight = request
                return
            self._write(request, reply)
        if self.in_flight:
            return
        if self.closing:
            self.transport.close()
        elif self.broken and not self.queue:
            self._fail(400, BAD_REQUEST)
        elif not self.queue and self.writable:
            self._send_continue()
            self._resume_reading()
            if not self.partial:
                self._arm_timer()

    def _from_thread(self, reply: Reply) -> None:
        # RuntimeError: the loop has closed (a forced shutdown), nobody is left to answer.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._threaded_reply, reply)

    def _threaded_reply(self, reply: Reply) -> None:
        request, self.in_flight = self.in_flight, None
        if request is None or self.transport is None or self.transport.is_closing():
            return
        self._write(request, reply)
        self._next()

    def _write(self, request: Request, reply: Reply) -> None:
        assert self.transport is not None
        parts = [STATUS_LINES.get(reply.status) or b"HTTP/1.1 %d \r\n" % reply.status]
        for name, value in self.server_state.default_headers:
            parts += (name, b": ", value, b"\r\n")
        for name, value in reply.headers:
            parts += (name, b": ", value, b"\r\n")
        if not request.keep_alive or self.closing:
            parts.append(b"connection: close\r\n")
            self.closing = True
        elif request.http10:
            parts.append(b"connection: keep-alive\r\n")
        parts.append(b"\r\n")
        if request.method != "HEAD":
            parts.append(reply.body)
        self.transport.write(b"".join(parts))
        self.server_state.total_requests += 1

    def _fail(self, status: int, message: bytes) -> None:
        """A reply outside the DynamoDB protocol (unparseable HTTP), then close."""
        if self.transport is None or self.transport.is_closing():
            return
        self.queue.clear()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(message))]
        self._write(_LAST_WORD, Reply(status, headers, message))
        self.transport.close()

    # Flow control and timeouts

    def _pause_reading(self) -> None:
        if self.reading and self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()
            self.reading = False

    def _resume_reading(self) -> None:
        if not self.reading and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
            self.reading = True

    def _arm_timer(self) -> None:
        # One timer per connection, re-armed when it fires on a connection that has been
        # busy since: a timer per request cost more than reading a cached item.
        self.served += 1
        if self.timer is None:
            self.timer = self.loop.call_later(self.keep_alive_timeout, self._idle_timeout, self.served)

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _idle_timeout(self, served: int) -> None:
        self.timer = None
        if self.transport is None or self.transport.is_closing():
            return
        if self.served != served or self.in_flight or self.queue or self.partial:
            self.timer = self.loop.call_later(self.keep_alive_timeout, self._idle_timeout, self.served)
        else:
            self.transport.close()


def _responder(app: Any) -> Any:
    """The object that answers requests (``App``, or a benchmark's canned responder) under
    whatever middleware uvicorn wrapped around it."""
    while not hasattr(app, "respond"):
        inner = getattr(app, "app", None)
        if inner is None:
            raise TypeError(f"{app!r} cannot be served by DynamoProtocol: it has no respond()")
        app = inner
    return app
