"""The HTTP front end: a bare ASGI app speaking DynamoDB's JSON protocol.

Framing only (reference 1.1-1.4): body limits, content types, gzip, JSON, the target
header, the SigV4 authorization header (its shape, and the region it is scoped to), CRC32
and request ids. Everything else is ``dispatch.handle``, exactly as for the embedded
client. Reads run on the event loop; writes run on a pool of writer threads, off the loop
because a durable commit waits for the disk: LMDB applies them one at a time, and item
writes that arrive together share one commit and fsync (group commit, ``storage.env``).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import logging
import re
import zlib
from collections.abc import Callable
from typing import Any, Final, NamedTuple
from urllib.parse import parse_qs

from dynamo import dispatch, wire
from dynamo.cache import Cache
from dynamo.engine import DEFAULT_REGION, Engine
from dynamo.errors import DynamoError, internal_error, serialization, unknown_operation
from dynamo.operations import DYNAMODB, SERVICES
from dynamo.shapes import JSON
from dynamo.threads import Pool

log = logging.getLogger("dynamo.http")

MAX_BODY: Final = 16 * 1024 * 1024
WRITERS: Final = 8  # writer threads: up to this many writes share one commit
# Region names (any, as local tools use "local" or "localhost"; but not empty or arbitrary).
_REGION: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
GZIP_THRESHOLD: Final = 4096
JSON_TYPES: Final = ("application/x-amz-json-1.0", "application/json")
UNKNOWN_OPERATION_XML: Final = b"<UnknownOperationException/>\n"

Scope = dict[str, Any]


class AuthError(Exception):
    def __init__(self, error: DynamoError) -> None:
        self.error = error


def _auth_error(code: str, message: str) -> AuthError:
    return AuthError(DynamoError(code, message))


# The header every SDK sends: when it matches, each check below passes, so its region is
# the answer without them (one match instead of a walk per request).
_USUAL_AUTHORIZATION: Final = re.compile(
    r"AWS4-HMAC-SHA256 Credential=[^/\s,=]+/\d{8}/([a-z0-9][a-z0-9-]{0,62})/[^/\s,]+/aws4_request,"
    r" ?SignedHeaders=[^\s,]+, ?Signature=[0-9a-f]+"
)


def credential_region(headers: dict[str, str], query: dict[str, list[str]]) -> str:
    """Check the shape of the SigV4 authorization and return the region it is scoped to.

    Any well-formed credentials are accepted (as DynamoDB Local does); signatures are not
    verified.
    """
    header = headers.get("authorization")
    if header is not None and not query and ("x-amz-date" in headers or "date" in headers):
        usual = _USUAL_AUTHORIZATION.fullmatch(header)
        if usual is not None:
            return usual.group(1)
    algorithm = query.get("X-Amz-Algorithm")
    if header is not None and algorithm:
        raise _auth_error(
            "InvalidSignatureException",
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
        )
    if algorithm:
        missing = [
            f"AWS query-string parameters must include '{p}'. "
            for p in (
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Signature",
                "X-Amz-SignedHeaders",
                "X-Amz-Date",
            )
            if not query.get(p)
        ]
        if missing:
            raise _auth_error(
                "IncompleteSignatureException", "".join(missing) + "Re-examine the query-string parameters."
            )
        credential = query["X-Amz-Credential"][0]
    else:
        if header is None or not header.strip().startswith("AWS4-"):
            raise _auth_error(
                "MissingAuthenticationTokenException", "Request is missing Authentication Token"
            )
        params = {}
        _, _, rest = header.strip().partition(" ")
        for part in rest.replace(",", " ").split():
            key, _, value = part.partition("=")
            params[key] = value
        message = "".join(
            f"Authorization header requires '{p}' parameter. "
            for p in ("Credential", "Signature", "SignedHeaders")
            if not params.get(p)
        )
        if "x-amz-date" not in headers and "date" not in headers:
            message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        if message:
            raise _auth_error("IncompleteSignatureException", message + "Authorization=" + header)
        credential = params["Credential"]
    pieces = credential.rstrip("/").split("/")
    if len(pieces) != 5:
        raise _auth_error(
            "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{credential}'",
        )
    region = pieces[2]
    if not _REGION.fullmatch(region):
        raise _auth_error(
            "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'. "
        )
    return region


class App:
    """The ASGI application serving one engine, optionally with a cache in front (a cache
    endpoint: the DynamoDB protocol as a DAX cluster would serve it, plus ``GET /stats``)."""

    def __init__(
        self,
        engine: Engine,
        *,
        default_region: str = DEFAULT_REGION,
        cache: Cache | None = None,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self._on_shutdown = on_shutdown  # a worker process closes its own engine
        self.default_region = default_region
        # Several writer threads, so that writes arriving together can share one commit and
        # fsync (group commit, storage.env); LMDB still applies them one at a time.
        self._writer = Pool(WRITERS, "dynamo-writer")
        self._workers = Pool(2, "dynamo-worker")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._writer.shutdown(wait=True)
                self._workers.shutdown(wait=True)
                if self._on_shutdown is not None:
                    self._on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Any, send: Any) -> None:
        # ASGI servers hand header names over in lower case.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        body = None
        if not declares_too_much(headers):
            try:
                body = await _read_body(receive)
            except ClientGone:
                return
        loop = asyncio.get_running_loop()
        later: asyncio.Future[Reply] = loop.create_future()

        def deliver(computed: Reply) -> None:  # on the thread that computed it
            loop.call_soon_threadsafe(later.set_result, computed)

        reply = self.respond(
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            headers,
            body,
            deliver,
        )
        if reply is None:
            reply = await later
        await send({"type": "http.response.start", "status": reply.status, "headers": reply.headers})
        await send({"type": "http.response.body", "body": reply.body})

    def respond(
        self,
        method: str,
        path: str,
        query_string: bytes,
        headers: dict[str, str],
        body: bytes | None,
        later: Callable[[Reply], object],
    ) -> Reply | None:
        """Answer one HTTP request (``headers`` by lower-case name; ``body`` None when it is
        over 16 MiB): the reply, or None when the work runs on a thread (writes wait for the
        disk) and that thread will hand the reply to ``later``. Both front ends of the
        server (the ASGI app, ``dynamo.http_protocol``) frame every request here."""
        request_id = wire.request_id()
        extra: list[tuple[bytes, bytes]] = [(b"x-amzn-requestid", request_id.encode())]
        if "origin" in headers:
            extra.append((b"access-control-allow-origin", b"*"))
        if method == "GET" and self.cache is not None and path == "/stats":
            return build_reply(200, wire.dumps(self.cache.stats()), b"application/json", extra)
        if method == "GET":
            health = f"healthy: dynamodb.{self.default_region}.amazonaws.com ".encode()
            return build_reply(200, health, b"text/plain", extra)
        if method == "OPTIONS" and "origin" in headers:
            extra += [
                (b"access-control-allow-headers", headers.get("access-control-request-headers", "").encode()),
                (b"access-control-allow-methods", headers.get("access-control-request-method", "").encode()),
                (b"access-control-max-age", b"172800"),
            ]
            return build_reply(200, b"", None, extra)
        if body is None:
            return build_reply(413, b"", None, extra)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if method != "POST" or (body and content_type not in JSON_TYPES):
            return build_reply(404, UNKNOWN_OPERATION_XML, b"text/plain", extra)
        response_type = (
            b"application/json" if content_type == "application/json" else b"application/x-amz-json-1.0"
        )
        try:
            job = self._prepare(query_string, headers, body)
        except TooLarge:
            return build_reply(413, b"", None, extra)
        if isinstance(job, Deferred):
            call = job.call
            try:
                job.pool.submit(
                    lambda: self._answer(self._run(call, headers), headers, response_type, extra), later
                )
                return None
            except Exception:  # a pool that is shutting down refuses work
                job = _internal_error(headers)
        return self._answer(job, headers, response_type, extra)

    def _prepare(self, query_string: bytes, headers: dict[str, str], body: bytes) -> Answer | Deferred:
        """Frame one request and run it if it is quick: its answer, or the work to run on a
        thread."""
        try:
            if headers.get("content-encoding", "").strip().lower() == "gzip":
                body = _gunzip(body)
            request = None
            if body:
                try:
                    request = wire.loads(body)
                except ValueError:
                    raise serialization() from None
            target = headers.get("x-amz-target", "")
            service, _, name = target.partition(".")
            operation = SERVICES.get(service, {}).get(name)
            if operation is None:
                raise unknown_operation()
            query = parse_qs(query_string.decode("latin-1")) if query_string else {}
            try:
                region = credential_region(headers, query)
            except AuthError as exc:
                raise exc.error from None
            if not body:
                raise serialization()
            if self.cache is not None and service == DYNAMODB:
                hit = self.cache.fast_body(region, name, request)
                if hit is not None:
                    return 200, hit
            ctx = self.engine.context(region)
            handle = dispatch.handle if self.cache is None else self.cache.handle
            writes = operation.writes and not (
                operation.reads_only is not None and operation.reads_only(request)
            )
            if writes or operation.blocking:
                pool = self._writer if writes else self._workers
                return Deferred(pool, functools.partial(handle, ctx, name, request, JSON, service))
            return 200, handle(ctx, name, request, JSON, service)
        except DynamoError as exc:
            return exc.status, exc.body()
        except TooLarge:
            raise
        except Exception:  # the server never dies from a request
            return _internal_error(headers)

    @staticmethod
    def _run(call: Callable[[], Any], headers: dict[str, str]) -> Answer:
        """Run a request's work on a pool thread. Whatever it raises, even a BaseException,
        it is answered: a connection waiting for this reply would otherwise wait forever."""
        try:
            return 200, call()
        except DynamoError as exc:
            return exc.status, exc.body()
        except BaseException:  # the server never dies from a request
            return _internal_error(headers)

    @staticmethod
    def _answer(
        answer: Answer, headers: dict[str, str], content_type: bytes, extra: list[tuple[bytes, bytes]]
    ) -> Reply:
        status, document = answer
        try:
            payload = (
                b"" if document is None else document if type(document) is bytes else wire.dumps(document)
            )
        except Exception:  # a document that cannot be encoded is a bug, not a dead connection
            status, document = _internal_error(headers)
            payload = wire.dumps(document)
        if len(payload) > GZIP_THRESHOLD and "gzip" in headers.get("accept-encoding", ""):
            payload = gzip.compress(payload, compresslevel=5)
            extra.append((b"content-encoding", b"gzip"))
        return build_reply(status, payload, content_type, extra)


#: A request's outcome before encoding: (status, JSON document, its encoding (a cache
#: hit's) or None for an empty body).
Answer = tuple[int, Any]


class Deferred(NamedTuple):
    """Work that must not run on the event loop (a write waits for the disk)."""

    pool: Pool
    call: Callable[[], Any]


class Reply(NamedTuple):
    """One HTTP response: status, headers (Content-Length included), body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def declares_too_much(headers: dict[str, str]) -> bool:
    """The request's Content-Length is over the 16 MiB limit (its body need not be read)."""
    declared = headers.get("content-length")
    return declared is not None and declared.isdigit() and int(declared) > MAX_BODY


def build_reply(
    status: int, body: bytes, content_type: bytes | None, extra: list[tuple[bytes, bytes]]
) -> Reply:
    """A Reply with the headers every DynamoDB answer carries (length, CRC32, server)."""
    headers = [
        (b"content-length", b"%d" % len(body)),
        (b"x-amz-crc32", b"%d" % zlib.crc32(body)),
        (b"server", b"Server"),
    ]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    headers += extra
    return Reply(status, headers, body)


def _internal_error(headers: dict[str, str]) -> Answer:
    log.exception("unexpected error serving %s", headers.get("x-amz-target"))
    error = internal_error()
    return error.status, error.body()


class TooLarge(Exception):
    """A request body over 16 MiB once decompressed."""


def _gunzip(body: bytes) -> bytes:
    """Decompress a gzip request body, refusing to inflate it past the 16 MiB limit."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_BODY + 1)
    except zlib.error:
        raise serialization() from None
    if len(data) > MAX_BODY or inflater.unconsumed_tail:
        raise TooLarge()
    if not inflater.eof:
        raise serialization()
    return data


class ClientGone(Exception):
    """The client disconnected before its request body was whole."""


async def _read_body(receive: Any) -> bytes | None:
    """The whole request body, or None if it is over the 16 MiB limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone  # a cut-off body is not a request: nothing runs
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
