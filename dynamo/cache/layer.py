"""A DAX-like read-through cache in front of dispatch (reference 16).

The cache is a wrapper around :func:`dynamo.dispatch.handle`, never logic inside the
operations: reads it can serve go through its handlers, everything else goes to the
engine unchanged.

* The **item cache** holds GetItem results, one entry per table and key, whole items (a
  projection is applied on the way out) or a negative entry for a missing item.
  BatchGetItem uses it key by key and asks the engine only for the keys it lacks.
* The **query cache** holds Query and Scan responses keyed by the whole checked request
  (its digest), so only an identical request is a hit.

Two modes say what a commit does to them:

* ``dax`` (DynamoDB Accelerator's semantics): a write made *through this cache* puts the
  item's new image (or a negative entry) into the item cache after it commits; writes made
  elsewhere are not seen until the entry expires; the query cache is never touched by
  writes, so it is stale until its TTL.
* ``coherent``: every commit in the engine, whoever made it in this process, drops the
  entries it affects (the written keys, and every cached Query/Scan of the written tables),
  so cached reads are never stale: a pure speed-up. (Commits of another process on the
  same data directory are not seen; commit listeners are per process.)

In both modes a table created, replaced or dropped loses everything cached for it, and
``ConsistentRead`` reads, TransactGetItems and requests naming a table by ARN go straight
to the engine. Hits consume no capacity (ConsumedCapacity reports 0 when asked).

Races: a read that misses notes its table's *generation* before it reads, and caches what
it read only if no commit touched the table in between (commit listeners bump the
generation under the same lock), so an old snapshot never overwrites a newer image.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, Literal

import msgpack
import orjson

from dynamo import dispatch, wire
from dynamo.cache.lru import NEGATIVE, BoundedCache
from dynamo.capacity import Capacity
from dynamo.engine import Context, Engine
from dynamo.errors import DynamoError
from dynamo.expression_params import prepare
from dynamo.fingerprint import fingerprint
from dynamo.operations import DYNAMODB, Run, batch_get_item, get_item, query, scan
from dynamo.operations.batch_get_item import Project
from dynamo.shapes import JSON, PYTHON, decode_base64
from expressions import projector
from storage.catalog import TableDef
from storage.store import ItemChanges, TableChanges
from storage.values import Item

log = logging.getLogger("dynamo.cache")

# The cache a write is going through, if any: a context variable rather than a thread
# attribute, because a grouped commit runs each write (and its commit listeners) in the
# writer's own context on whichever thread leads the group.
_writing_through: contextvars.ContextVar[Cache | None] = contextvars.ContextVar(
    "writing_through", default=None
)

Mode = Literal["dax", "coherent"]
MODES: Final = ("dax", "coherent")
MIB: Final = 1024 * 1024

# Writes whose new images a dax-mode cache takes in (write-through).
WRITES: Final = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",  # PartiQL (DAX has none; here its writes are written through too)
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
# GetItem members the hit path understands; any other member takes the checked path.
_FAST_MEMBERS: Final = frozenset(
    {
        "TableName",
        "Key",
        "ProjectionExpression",
        "ExpressionAttributeNames",
        "ReturnConsumedCapacity",
        "ConsistentRead",
    }
)
_CAPACITY_MODES: Final = frozenset({"NONE", "TOTAL", "INDEXES"})
_PROJECTION_MEMBERS: Final = frozenset(
    {"ProjectionExpression", "ExpressionAttributeNames", "AttributesToGet"}
)
_MAX_PROJECTORS: Final = 1024

_unmsgpack = msgpack.unpackb
_loads = orjson.loads


def _pack(document: Any) -> bytes:
    """A cached value: JSON text when the document has no binary values (decoded faster,
    and on the HTTP front end already the response), msgpack otherwise. JSON text starts
    with ``{``, which no msgpack map does."""
    try:
        return bytes(memoryview(orjson.dumps(document)))  # orjson leaves 4 KB of slack
    except TypeError:  # bytes: B, BS
        return bytes(msgpack.packb(document, use_bin_type=True))


def _unpack(value: bytes) -> Any:
    return _loads(value) if value[0] == 123 else _unmsgpack(value)  # 123: "{"


ItemKey = tuple[Any, ...]  # (region, table, attribute, type, value[, attribute, type, value])
Group = tuple[str, str]  # (region, table name): what a table's entries are dropped by


@dataclass(frozen=True)
class CacheSettings:
    """How a cache behaves. TTLs are seconds: ``item_ttl`` 0 keeps items until they are
    evicted or written, ``query_ttl`` 0 caches no Query/Scan (as DAX's parameters)."""

    mode: Mode = "dax"
    item_ttl: float = 300.0
    query_ttl: float = 300.0
    item_bytes: int = 64 * MIB
    query_bytes: int = 64 * MIB

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"cache mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.item_ttl < 0 or self.query_ttl < 0:
            raise ValueError("cache TTLs are seconds, 0 or more")
        if self.item_bytes <= 0 or self.query_bytes <= 0:
            raise ValueError("cache sizes are a positive number of bytes")

    @classmethod
    def of(cls, spec: CacheSettings | str | bool) -> CacheSettings:
        """Settings from what ``dynamo.connect(cache=...)`` accepts: settings, a mode name,
        or True for the defaults."""
        if isinstance(spec, CacheSettings):
            return spec
        if spec is True:
            return cls()
        if isinstance(spec, str):
            return cls(mode=spec)  # type: ignore[arg-type]  # checked in __post_init__
        raise TypeError("cache= takes CacheSettings, 'dax', 'coherent' or True")


def _request_key(region: str, table: str, key: dict[str, Any]) -> ItemKey | None:
    """A checked request's Key (one type per value, binary already bytes) as an item cache
    key; None if it holds a type no key attribute can have."""
    if any(kind not in ("S", "N", "B") for value in key.values() for kind in value):
        return None
    return _fast_key(region, table, key, PYTHON)


def _fast_key(region: str, table: str, key: dict[str, Any], mode: str) -> ItemKey:
    """An unchecked Key as an item cache key, or an exception if it is malformed."""
    if len(key) == 1:  # the common case, without the sorting
        ((attribute, value),) = key.items()
        ((kind, scalar),) = value.items()
        if kind == "B" and mode == JSON:
            scalar = decode_base64(scalar)
        return (region, table, attribute, kind, scalar)
    parts = []
    for attribute, value in key.items():
        ((kind, scalar),) = value.items()
        if kind == "B" and mode == JSON:
            scalar = decode_base64(scalar)
        parts.append((attribute, kind, scalar))
    return _flat(region, table, parts)


def _item_key(table: TableDef, item: Item) -> ItemKey:
    parts = [(a.name, a.type, item[a.name][a.type]) for a in table.key_schema.attributes]
    return _flat(table.region, table.name, parts)


def _flat(region: str, table: str, parts: list[tuple[str, str, Any]]) -> ItemKey:
    """(region, table, attribute, type, value, ...), attributes in name order: one tuple,
    the cheapest key to build on the hit path and to keep per entry."""
    parts.sort(key=_first)
    return (region, table, *(field for part in parts for field in part))


def _first(part: tuple[str, str, Any]) -> str:
    return part[0]


def _key_size(key: ItemKey) -> int:
    return sum(len(field) for field in key[1:])


def _names_key(names: Any) -> Hashable:
    return None if names is None else tuple(sorted(names.items()))


def _no_capacity(table: str, mode: str | None) -> dict[str, Any] | None:
    return Capacity(table, 0.0).render(mode)


class Cache:
    """An item cache and a query cache over one engine (see the module docstring)."""

    def __init__(
        self, engine: Engine, settings: CacheSettings | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.settings = settings = settings or CacheSettings()
        clock = clock or engine.clock
        self.items = BoundedCache("ItemCache", settings.item_bytes, settings.item_ttl, clock)
        self.queries = BoundedCache("QueryCache", settings.query_bytes, settings.query_ttl, clock)
        self._coherent = settings.mode == "coherent"
        self._lock = threading.Lock()
        self._generations: dict[Group, int] = {}
        # (ProjectionExpression, names) -> projector, for requests whose projection was checked.
        self._projectors: dict[tuple[Any, Hashable], Project] = {}
        self._handlers: dict[str, Run] = {
            "GetItem": self._get_item,
            "BatchGetItem": self._batch_get_item,
            "Query": self._reader(query.run, "Query"),
            "Scan": self._reader(scan.run, "Scan"),
        }
        self.closed = False
        # The hit path reads the LRU without the lock, relying on the GIL to make each
        # dictionary operation atomic; a free-threaded build takes the lock instead.
        self._lock_free = getattr(sys, "_is_gil_enabled", lambda: True)()
        self._stop = engine.store.listen(self._committed)

    def close(self) -> None:
        """Stop following commits and forget everything: a closed cache answers nothing
        (every request goes to the engine), so it can never serve stale entries."""
        self._stop()
        with self._lock:
            self.closed = True
            self.items.clear()
            self.queries.clear()

    def stats(self) -> dict[str, Any]:
        """Entries, bytes, hits, misses, evictions, expirations and invalidations per cache."""
        with self._lock:
            self.items.expire()
            self.queries.expire()
            return {
                "Mode": self.settings.mode,
                "ItemCache": self.items.stats(),
                "QueryCache": self.queries.stats(),
            }

    # -- serving ----------------------------------------------------------------------------

    def fast(self, region: str, name: str, params: Any, mode: str) -> dict[str, Any] | None:
        """Answer a GetItem that hits without checking the request or parsing anything;
        None means "take the checked path" (a miss, or anything unusual)."""
        found = self._lookup(region, name, params, mode)
        if found is None:
            return None
        if len(params) == 2:  # TableName and Key: the whole item
            return {"Item": _loads(found) if found[0] == 123 else _unmsgpack(found)} if found else {}
        project, capacity = self._options(params)  # type: ignore[misc]  # _lookup checked them
        return _item_response(found, project, params["TableName"], capacity)

    def fast_body(self, region: str, name: str, params: Any) -> bytes | None:
        """``fast`` for the HTTP front end: the response body itself. An item without
        binary values is cached as its JSON text, which becomes the body as it is."""
        found = self._lookup(region, name, params, JSON)
        if found is None:
            return None
        project, capacity = (None, None) if len(params) == 2 else self._options(params)  # type: ignore[misc]
        table = params["TableName"]
        if project is not None or found[:1] != b"{":
            return wire.dumps(_item_response(found, project, table, capacity))
        if capacity is None or capacity == "NONE":
            return b'{"Item":' + found + b"}"
        consumed = wire.dumps(_no_capacity(table, capacity))
        return b'{"Item":' + found + b',"ConsumedCapacity":' + consumed + b"}"

    def _lookup(self, region: str, name: str, params: Any, mode: str) -> bytes | None:
        """The cached value a GetItem asks for; None for a miss.

        A request is only answered if every member is one whose value can be matched
        exactly against entries that checked requests made: the key parts of a cached
        item, a projection that a checked request already compiled. So an answer here is
        always the answer the checked path would give.
        """
        if name != "GetItem" or type(params) is not dict or self.closed:
            return None
        table = params.get("TableName")
        key = params.get("Key")
        if type(table) is not str or type(key) is not dict:
            return None
        if len(params) > 2 and self._options(params) is None:
            return None
        # Only exact equals of the strings and bytes that checked requests cached can
        # match, so a malformed key simply misses (or fails to unpack or hash).
        try:
            item_key = _fast_key(region, table, key, mode)
            if self._lock_free:
                return self.items.hit(item_key)
            with self._lock:
                return self.items.hit(item_key)
        except (AttributeError, TypeError, ValueError, DynamoError):
            return None

    def _options(self, params: dict[str, Any]) -> tuple[Project | None, str | None] | None:
        """A GetItem's members beyond TableName and Key, if the hit path can answer them:
        (projection, ReturnConsumedCapacity); None if only the checked path can."""
        # A member given as None: botocore's checks refuse it on the embedded client (JSON
        # null is absent), so only the checked path can answer.
        if not params.keys() <= _FAST_MEMBERS or None in params.values():
            return None
        consistent = params.get("ConsistentRead")
        if consistent is not None and consistent is not False:
            return None
        capacity = params.get("ReturnConsumedCapacity")
        if capacity is not None and capacity not in _CAPACITY_MODES:
            return None
        expression = params.get("ProjectionExpression")
        names = params.get("ExpressionAttributeNames")
        if expression is None and names is None:
            return None, capacity
        try:
            project = self._projectors.get((expression, _names_key(names)))
        except (AttributeError, TypeError):  # not a map of strings: the checked path says why
            return None
        return None if project is None else (project, capacity)

    def handle(
        self, ctx: Context, name: str, request: Any, mode: str = JSON, service: str = DYNAMODB
    ) -> dict[str, Any] | None:
        """``dispatch.handle`` with the cache in front."""
        if service == DYNAMODB and not self.closed:
            handler = self._handlers.get(name)
            if handler is not None:
                return dispatch.handle(ctx, name, request, mode, service, run=handler)
            if name in WRITES and not self._coherent:
                token = _writing_through.set(self)
                try:
                    return dispatch.handle(ctx, name, request, mode, service)
                finally:
                    _writing_through.reset(token)
        return dispatch.handle(ctx, name, request, mode, service)

    def _get_item(self, ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
        table = req["TableName"]
        if req.get("ConsistentRead") or "AttributesToGet" in req or ":" in table:
            return get_item.run(ctx, req)
        projection = prepare(req, get_item.EXPRESSIONS).projection()  # its errors come first
        key = _request_key(ctx.region, table, req["Key"])
        if key is None:
            return get_item.run(ctx, req)  # not a key of any table: the engine says why
        project = None
        if projection is not None:
            project = projector(projection.paths)
            if len(self._projectors) >= _MAX_PROJECTORS:
                self._projectors.clear()
            names = _names_key(req.get("ExpressionAttributeNames"))
            self._projectors[(req["ProjectionExpression"], names)] = project
        group = (ctx.region, table)
        with self._lock:
            value = self.items.get(key)
            generation = self._generations.get(group, 0)
        if value is not None:
            return _item_response(value, project, table, req.get("ReturnConsumedCapacity"))
        whole = {m: v for m, v in req.items() if m not in _PROJECTION_MEMBERS}
        response = get_item.run(ctx, whole)
        item = response.get("Item")
        self._fill(
            self.items, key, NEGATIVE if item is None else _pack(item), group, generation, _key_size(key)
        )
        if item is not None and project is not None:
            response["Item"] = project(item)
        return response

    def _batch_get_item(self, ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
        projections = batch_get_item.check(req)  # DynamoDB's checks, before any answer
        request_items: dict[str, dict[str, Any]] = req["RequestItems"]
        hits: dict[str, list[bytes]] = {}
        wanted: dict[str, dict[str, Any]] = {}  # what the engine is asked for
        cached: dict[str, tuple[int, list[ItemKey]]] = {}  # table -> (generation, keys asked)
        with self._lock:
            for name, block in request_items.items():
                hits[name] = []
                if block.get("ConsistentRead") or ":" in name:
                    wanted[name] = block
                    continue
                missing, missing_keys = [], []
                for key in block["Keys"]:
                    item_key = _request_key(ctx.region, name, key)
                    value = None if item_key is None else self.items.get(item_key)
                    if value is None:
                        missing.append(key)
                        if item_key is not None:
                            missing_keys.append(item_key)
                    elif value:  # not a negative entry
                        hits[name].append(value)
                if missing:
                    plain = {m: v for m, v in block.items() if m not in _PROJECTION_MEMBERS}
                    wanted[name] = {**plain, "Keys": missing}
                    cached[name] = (self._generations.get((ctx.region, name), 0), missing_keys)
        found: dict[str, list[Item]] = {}
        for name, values in hits.items():
            project = projections[name]
            items = [_unpack(value) for value in values]
            found[name] = items if project is None else [project(item) for item in items]
        mode = req.get("ReturnConsumedCapacity")
        if not wanted:
            out: dict[str, Any] = {"Responses": found, "UnprocessedKeys": {}}
            if mode is not None and mode != "NONE":
                out["ConsumedCapacity"] = [_no_capacity(name, mode) for name in request_items]
            return out
        result = batch_get_item.run(ctx, {"RequestItems": wanted, "ReturnConsumedCapacity": mode})
        unprocessed: dict[str, dict[str, Any]] = result["UnprocessedKeys"]
        for name, (generation, asked) in cached.items():
            self._fill_batch(
                ctx.region, name, asked, result["Responses"][name], unprocessed.get(name), generation
            )
            project = projections[name]
            items = result["Responses"][name]
            found[name].extend(items if project is None else map(project, items))
            if name in unprocessed:  # handed back with the caller's own projection
                unprocessed[name] = {**request_items[name], "Keys": unprocessed[name]["Keys"]}
        for name in wanted.keys() - cached.keys():
            found[name].extend(result["Responses"][name])
        out = {"Responses": found, "UnprocessedKeys": unprocessed}
        if "ConsumedCapacity" in result:
            charged = result["ConsumedCapacity"]
            named = {entry["TableName"] for entry in charged}  # a table asked by ARN too
            served = [_no_capacity(n, mode) for n in request_items if n not in wanted and n not in named]
            out["ConsumedCapacity"] = charged + served
        return out

    def _fill_batch(
        self,
        region: str,
        name: str,
        asked: list[ItemKey],
        items: list[Item],
        unprocessed: dict[str, Any] | None,
        generation: int,
    ) -> None:
        """Cache what the engine answered for the keys ``asked`` of one table: the items
        it found, negative entries for the rest, nothing for the keys it left unprocessed."""
        if not asked:
            return
        attributes = list(zip(asked[0][2::3], asked[0][3::3], strict=True))  # (name, type) of the key
        images = {_flat(region, name, [(a, k, item[a][k]) for a, k in attributes]): item for item in items}
        skipped = set()
        if unprocessed is not None:
            skipped = {_request_key(region, name, key) for key in unprocessed["Keys"]}
        group = (region, name)
        for key in asked:
            if key in skipped:
                continue
            item = images.get(key)
            value = NEGATIVE if item is None else _pack(item)
            self._fill(self.items, key, value, group, generation, _key_size(key))

    def _reader(self, run: Run, name: str) -> Run:
        """Query or Scan through the query cache."""

        def read(ctx: Context, req: dict[str, Any]) -> dict[str, Any] | None:
            table = req["TableName"]
            if req.get("ConsistentRead") or self.settings.query_ttl == 0 or ":" in table:
                return run(ctx, req)
            mode = req.get("ReturnConsumedCapacity")
            meaning = fingerprint({m: v for m, v in req.items() if m != "ReturnConsumedCapacity"})
            group = (ctx.region, table)
            key = (ctx.region, name, meaning)
            with self._lock:
                value = self.queries.get(key)
                generation = self._generations.get(group, 0)
            if value is not None:
                response: dict[str, Any] = _unpack(value)
                _render_capacity(response, mode)  # the miss's report, at 0 units
                return response
            # Asked for the full report whatever the caller asked, so a hit can answer any
            # ReturnConsumedCapacity with the same shape (the indexes read) at 0 units.
            response = run(ctx, {**req, "ReturnConsumedCapacity": "INDEXES"})  # type: ignore[assignment]
            report = response.get("ConsumedCapacity")
            if report is not None:
                kept = {**response, "ConsumedCapacity": _zeroed(report)}
                self._fill(self.queries, key, _pack(kept), group, generation, len(meaning) + len(table))
            _render_capacity(response, mode)
            return response

        return read

    def _fill(
        self, cache: BoundedCache, key: Hashable, value: bytes, group: Group, generation: int, key_size: int
    ) -> None:
        """Cache what a read found, unless a commit touched its table since it began."""
        with self._lock:
            if self._generations.get(group, 0) == generation:
                cache.put(key, value, group, key_size)

    # -- commits ----------------------------------------------------------------------------

    def _committed(self, item_changes: ItemChanges, table_changes: TableChanges) -> None:
        """After every commit in this process (in commit order, in the writer's context).

        The write has committed whatever happens here: if updating the caches fails, they
        are emptied (a cache may forget, never lie) and the write still succeeds."""
        try:
            self._apply(item_changes, table_changes)
        except Exception:
            log.exception("cache update after a commit failed; emptying the caches")
            with self._lock:
                self.items.clear()
                self.queries.clear()
                for group in list(self._generations):
                    self._generations[group] += 1

    def _apply(self, item_changes: ItemChanges, table_changes: TableChanges) -> None:
        through = _writing_through.get() is self
        coherent = self._coherent
        touched: set[Group] = set(table_changes)
        images: list[tuple[ItemKey, bytes | None, Group]] = []
        for table, old, new in item_changes:
            group = (table.region, table.name)
            touched.add(group)
            if coherent or through:
                key = _item_key(table, new if new is not None else old)  # type: ignore[arg-type]
                # dax: the new image (packed before the lock is taken); coherent: None, dropped.
                image = None if coherent else NEGATIVE if new is None else _pack(new)
                images.append((key, image, group))
        with self._lock:
            for group in table_changes:
                self.items.invalidate_group(group)
                self.queries.invalidate_group(group)
            for key, image, group in images:
                if image is None:
                    self.items.invalidate(key)
                else:
                    self.items.put(key, image, group, _key_size(key))
            for group in touched:
                self._generations[group] = self._generations.get(group, 0) + 1
                if coherent:
                    self.queries.invalidate_group(group)


def _zeroed(report: Any) -> Any:
    """A ConsumedCapacity report with every number of units set to 0."""
    if isinstance(report, dict):
        return {k: 0.0 if k.endswith("CapacityUnits") else _zeroed(v) for k, v in report.items()}
    return report


def _render_capacity(response: dict[str, Any], mode: str | None) -> None:
    """Turn the INDEXES report a response carries into what ``mode`` asks for."""
    report = response.pop("ConsumedCapacity", None)
    if report is None or mode is None or mode == "NONE":
        return
    if mode == "TOTAL":
        report = {"TableName": report["TableName"], "CapacityUnits": report["CapacityUnits"]}
    response["ConsumedCapacity"] = report


def _item_response(value: bytes, project: Project | None, table: str, capacity: str | None) -> dict[str, Any]:
    response: dict[str, Any] = {}
    if value:  # not a negative entry
        item = _unpack(value)
        response["Item"] = item if project is None else project(item)
    if capacity is not None and capacity != "NONE":
        response["ConsumedCapacity"] = _no_capacity(table, capacity)
    return response
