"""SELECT through ExecuteStatement: one or more Queries, or a Scan, a page at a time.

The WHERE clause is applied here, after the read, rather than as a FilterExpression:
PartiQL lets it name key attributes (``sk <> 3``, a second sort-key predicate), which
Query's FilterExpression refuses, and DynamoDB charges a SELECT for what it read before
filtering, which is exactly what Query and Scan report without a filter.
"""

from __future__ import annotations

import base64
import binascii
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

import msgpack

from dynamo.engine import Context
from dynamo.errors import DynamoError, validation
from dynamo.expression_params import Expressions, prepare
from dynamo.fingerprint import fingerprint
from dynamo.operations import get_item, query, scan
from dynamo.partiql import ast
from dynamo.partiql import errors as text
from dynamo.partiql.bind import AttributeValue, bind
from dynamo.partiql.calls import call, merge_capacity
from dynamo.partiql.plan import comparison_on, conjuncts, equality_on, is_attribute, key_equalities, target
from dynamo.partiql.render import Renderer
from expressions import FILTER, PROJECTION, compile_condition, projector
from storage.store import Store
from storage.values import Item, compare_scalars, item_size

_LOCAL = Expressions({"FilterExpression": FILTER, "ProjectionExpression": PROJECTION})
_SORT_OPS = frozenset({"=", "<", "<=", ">", ">="})
PAGE_BYTES = 1024 * 1024  # a page's data bound, as Query's and Scan's


@dataclass(frozen=True)
class Shaping:
    """What happens to each item read: the WHERE clause, then the projection."""

    keep: Callable[[Item], bool]
    project: Callable[[Item], Item]

    def apply(self, items: Sequence[Item]) -> list[Item]:
        return [self.project(item) for item in items if self.keep(item)]


def shaping(select: ast.Select, params: Sequence[AttributeValue]) -> Shaping:
    renderer = Renderer(params)
    request: dict[str, Any] = {}
    if select.where is not None:
        request["FilterExpression"] = renderer.condition(select.where)
    if select.projection is not None:
        request["ProjectionExpression"] = ", ".join(renderer.path(p) for p in select.projection)
    prepared = prepare({**request, **renderer.members()}, _LOCAL)
    condition = prepared.condition("FilterExpression")
    projection = prepared.projection()
    return Shaping(
        (lambda item: True) if condition is None else compile_condition(condition),
        (lambda item: item) if projection is None else projector(projection.paths),
    )


def partition_values(
    where: ast.Expr | None, name: str, params: Sequence[AttributeValue]
) -> list[AttributeValue]:
    """The partition-key values a WHERE clause pins (``=``, ``IN [...]``, ``= a OR = b``)."""
    for part in conjuncts(where):
        value = equality_on(part, name)
        if value is not None:
            return [bind(value, params)]
        if isinstance(part, ast.In) and is_attribute(part.operand, name):
            options = part.options
            if isinstance(options, ast.Param):
                bound = bind(options, params)
                if "L" in bound:
                    return list(bound["L"])
            else:
                values = [option for option in options if isinstance(option, ast.Literal | ast.Param)]
                if len(values) == len(options):
                    return [bind(value, params) for value in values]
        if isinstance(part, ast.Logical) and part.op == "OR":
            found = [equality_on(operand, name) for operand in part.operands]
            if all(value is not None for value in found):
                return [bind(value, params) for value in found if value is not None]
    return []


def _distinct(values: list[AttributeValue]) -> list[AttributeValue]:
    """Each partition once (``pk IN ['a', 'a']`` reads ``a`` once), first mention first."""
    seen: set[bytes] = set()
    out = []
    for value in values:
        digest = fingerprint(value)
        if digest not in seen:
            seen.add(digest)
            out.append(value)
    return out


def sort_condition(where: ast.Expr | None, name: str, renderer: Renderer) -> str | None:
    """The first sort-key predicate a KeyConditionExpression can hold, rendered."""
    for part in conjuncts(where):
        found = comparison_on(part, name)
        if found is not None and found[0] in _SORT_OPS:
            return f"{renderer.name(name)} {found[0]} {renderer.value(bind(found[1], renderer.params))}"
        if isinstance(part, ast.Between) and is_attribute(part.operand, name):
            low, high = part.low, part.high
            if isinstance(low, ast.Literal | ast.Param) and isinstance(high, ast.Literal | ast.Param):
                lo, hi = (
                    renderer.value(bind(low, renderer.params)),
                    renderer.value(bind(high, renderer.params)),
                )
                return f"{renderer.name(name)} BETWEEN {lo} AND {hi}"
        if isinstance(part, ast.Call) and part.name == "begins_with" and len(part.args) == 2:
            path, prefix = part.args
            if is_attribute(path, name) and isinstance(prefix, ast.Literal | ast.Param):
                return f"begins_with({renderer.name(name)}, {renderer.value(bind(prefix, renderer.params))})"
    return None


def reads(
    ctx: Context, select: ast.Select, params: Sequence[AttributeValue], req: dict[str, Any]
) -> list[dict[str, Any]]:
    """The Query requests (or the one Scan request, marked by no KeyConditionExpression)."""
    read = target(ctx, select.source)
    schema = read.key_schema
    base: dict[str, Any] = {"TableName": read.table.name}
    if read.index is not None:
        base["IndexName"] = read.index.name
        if read.index.kind == "GSI" and req.get("ConsistentRead"):
            raise validation(text.GSI_CONSISTENT)
    if req.get("ConsistentRead") is not None:
        base["ConsistentRead"] = req["ConsistentRead"]
    if req.get("ReturnConsumedCapacity") is not None:
        base["ReturnConsumedCapacity"] = req["ReturnConsumedCapacity"]
    hashes = _distinct(partition_values(select.where, schema.hash.name, params))
    if select.order_by is not None:
        directions: dict[str, bool] = {}
        for key, ascending in select.order_by:
            if len(key.elements) != 1 or key.elements[0] not in schema.names:
                raise validation(
                    f"Variable reference {key} in ORDER BY clause must be part of the primary key"
                )
            directions[str(key.elements[0])] = ascending
        if not hashes:
            raise validation(text.ORDER_BY_SCAN)
        first = select.order_by[0][1]
        # The sort key's direction orders items within a partition, the partition key's the
        # partitions (IN lists, ORs); a key not named follows the first one named.
        sort_name = schema.range.name if schema.range is not None else None
        base["ScanIndexForward"] = directions.get(sort_name, first) if sort_name else first
        kind = schema.hash.type
        hashes.sort(
            key=cmp_to_key(lambda a, b: compare_scalars(kind, a[kind], b[kind])),
            reverse=not directions.get(schema.hash.name, first),
        )
    if not hashes:
        return [base]
    requests = []
    for value in hashes:
        renderer = Renderer(params)
        condition = f"{renderer.name(schema.hash.name)} = {renderer.value(value)}"
        if schema.range is not None:
            sort = sort_condition(select.where, schema.range.name, renderer)
            if sort is not None:
                condition += f" AND {sort}"
        requests.append({**base, "KeyConditionExpression": condition, **renderer.members()})
    return requests


# -- NextToken -----------------------------------------------------------------------------


def statement_print(req: dict[str, Any]) -> bytes:
    return fingerprint([req["Statement"], req.get("Parameters") or []])


def encode_token(req: dict[str, Any], position: int, last: Item | None) -> str:
    packed = msgpack.packb([statement_print(req), position, last], use_bin_type=True)
    return base64.b64encode(packed).decode()


def decode_token(req: dict[str, Any], token: str) -> tuple[int, Item | None]:
    try:
        digest, position, last = msgpack.unpackb(base64.b64decode(token, validate=True), raw=False)
    except (binascii.Error, ValueError, TypeError, msgpack.UnpackException):
        raise validation(text.INVALID_TOKEN) from None
    if not isinstance(position, int) or position < 0 or not (last is None or isinstance(last, dict)):
        raise validation(text.INVALID_TOKEN)
    if digest != statement_print(req):
        raise validation(text.TOKEN_MISMATCH)
    return position, last


# -- execution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyedGet:
    """How a SELECT of one item by its full key reads: the GetItem it is, with the key's
    values still to bind (they may be parameters)."""

    table: str
    key: tuple[tuple[str, ast.Value], ...]
    members: dict[str, Any]  # ProjectionExpression and its names, if any


# Per store (a process may open several): (region, statement, catalog generation) -> plan.
_PLANS: weakref.WeakKeyDictionary[Store, dict[tuple[str, str, int], KeyedGet | None]] = (
    weakref.WeakKeyDictionary()
)
_MAX_PLANS = 1024
_UNPLANNED = object()


def single_item(
    ctx: Context, select: ast.Select, params: Sequence[AttributeValue], req: dict[str, Any]
) -> dict[str, Any] | None:
    """A SELECT whose WHERE is exactly the table's primary key by equality, as the GetItem
    it is (the same item, the same charge as a one-item Query); None for any other SELECT.
    Plans are cached by statement under the catalog generation they were made in."""
    if select.source.index is not None or select.where is None or req.get("NextToken") is not None:
        return None
    plans = _PLANS.get(ctx.store)
    if plans is None:
        plans = _PLANS.setdefault(ctx.store, {})
    cache_key = (ctx.region, req["Statement"], ctx.store.catalog_generation)
    cached = plans.get(cache_key, _UNPLANNED)
    if cached is _UNPLANNED:
        plan = _keyed_get(ctx, select)
        if len(plans) >= _MAX_PLANS:
            plans.clear()
        plans[cache_key] = plan
    else:
        plan = cached  # type: ignore[assignment]
    if plan is None:
        return None
    request: dict[str, Any] = {
        "TableName": plan.table,
        "Key": {name: bind(value, params) for name, value in plan.key},
        **plan.members,
    }
    for member in ("ConsistentRead", "ReturnConsumedCapacity"):
        if member in req:
            request[member] = req[member]
    # Parameters were checked as attribute values and literals are bound canonically, so
    # the request goes to GetItem as a checked one. A plan made before another process
    # changed the table's key schema fails its key check: the general path then answers.
    try:
        response = get_item.run(ctx, request)
    except DynamoError:
        if cached is _UNPLANNED:
            raise
        plans.pop(cache_key, None)
        return None
    out: dict[str, Any] = {"Items": [response["Item"]] if "Item" in response else []}
    if "ConsumedCapacity" in response:
        out["ConsumedCapacity"] = response["ConsumedCapacity"]
    return out


def _keyed_get(ctx: Context, select: ast.Select) -> KeyedGet | None:
    read = target(ctx, select.source)
    try:
        key, rest = key_equalities(read.table.key_schema, select.where)
    except DynamoError:
        return None
    if rest:  # other predicates too: the general path applies them
        return None
    members: dict[str, Any] = {}
    if select.projection is not None:
        renderer = Renderer(())
        members["ProjectionExpression"] = ", ".join(renderer.path(p) for p in select.projection)
        members.update(renderer.members())
    return KeyedGet(read.table.name, tuple(key), members)


def execute(
    ctx: Context, select: ast.Select, params: Sequence[AttributeValue], req: dict[str, Any]
) -> dict[str, Any]:
    single = single_item(ctx, select, params, req)
    if single is not None:
        return single
    position, last = (0, None) if req.get("NextToken") is None else decode_token(req, req["NextToken"])
    requests = reads(ctx, select, params, req)
    shape = shaping(select, params)
    remaining = req.get("Limit")
    items: list[Item] = []
    gathered = 0  # bytes of the items read for this page
    capacity: dict[str, Any] | None = None
    out: dict[str, Any] = {}
    while position < len(requests):
        request = dict(requests[position])
        if last is not None:
            request["ExclusiveStartKey"] = last
        if remaining is not None:
            request["Limit"] = remaining
        operation = scan.OPERATION if "KeyConditionExpression" not in request else query.OPERATION
        page = call(ctx, operation, request)
        read = page.get("Items", [])
        if position + 1 < len(requests):  # only a page spanning partitions needs counting
            gathered += sum(item_size(item) for item in read)
        items.extend(shape.apply(read))
        capacity = merge_capacity(capacity, page.get("ConsumedCapacity"))
        last = page.get("LastEvaluatedKey")
        if last is not None:
            out["NextToken"] = encode_token(req, position, last)
            out["LastEvaluatedKey"] = last
            break
        position += 1
        if remaining is not None:
            remaining -= page.get("ScannedCount", 0)
        # One page is at most a Limit of items or 1 MB of them, over several partitions too.
        if position < len(requests) and (
            (remaining is not None and remaining <= 0) or gathered >= PAGE_BYTES
        ):
            out["NextToken"] = encode_token(req, position, None)
            break
    response: dict[str, Any] = {"Items": items, **out}
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
