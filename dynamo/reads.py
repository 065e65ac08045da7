"""What Query and Scan share: the table or index read, Select, pages, and the response.

A page is read in DynamoDB's order until ``Limit`` items have been *evaluated* or 1 MB
of item data has been read (the item that crosses 1 MB is included); only then is the
FilterExpression applied, so ``ScannedCount`` counts evaluated items and ``Count`` the
ones that passed. ``LastEvaluatedKey`` is returned whenever the page stopped for either
reason, even if nothing follows (DynamoDB does not look ahead).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from dynamo.attributes import AttributeMapShape
from dynamo.capacity import Capacity, read_units
from dynamo.engine import Context
from dynamo.errors import DynamoError, invalid_parameters, validation
from dynamo.shapes import Member
from dynamo.tables import data_table, index_active
from expressions import Condition, Projection, compile_condition, projector
from expressions.evaluate import top_level_names
from storage import indexes
from storage.catalog import IndexDef, KeySchema, TableDef
from storage.indexes import entry_key
from storage.keycodec import encode
from storage.ranges import Position
from storage.store import INDEX_OVERFLOW, TABLE_GROUP, ReadView
from storage.values import Item

PAGE_BYTES: Final = 1024 * 1024
START_KEY_INVALID: Final = "The provided starting key is invalid: "


def _wrap_start_key_error(key: str, error: DynamoError) -> DynamoError:
    # DynamoDB prefixes value errors in ExclusiveStartKey, except the numeric and set ones.
    message = error.message or ""
    bare = ("Number", "numeric", "significant digits", "duplicates", "set")
    if any(fragment in message for fragment in bare):
        return error
    return validation(START_KEY_INVALID + message)


def exclusive_start_key() -> Member:
    return Member(AttributeMapShape(wrap=_wrap_start_key_error))


@dataclass(frozen=True)
class Target:
    """The table, or one of its indexes, that a Query or Scan reads."""

    table: TableDef
    index: IndexDef | None

    @property
    def key_schema(self) -> KeySchema:
        return self.table.key_schema if self.index is None else self.index.key_schema

    @property
    def key_names(self) -> tuple[str, ...]:
        """Attributes of LastEvaluatedKey: index keys, then the table keys."""
        if self.index is None:
            return self.table.key_schema.names
        return indexes.key_names(self.table, self.index)

    @property
    def projected(self) -> tuple[str, ...] | None:
        """What the target stores (None: every attribute)."""
        return None if self.index is None else indexes.projected_names(self.table, self.index)


def target(ctx: Context, view: ReadView, request: dict[str, Any]) -> Target:
    """The table or index a read addresses, with DynamoDB's index errors."""
    table = data_table(ctx, view, request["TableName"])
    name = request.get("IndexName")
    if name is None:
        return Target(table, None)
    index = next((ix for ix in table.indexes if ix.name == name), None)
    if index is None or (index.kind == "GSI" and not index_active(ctx, table, index)):
        raise validation(f"The table does not have the specified index: {name}")
    if index.kind == "GSI" and request.get("ConsistentRead"):
        raise validation("Consistent reads are not supported on global secondary indexes")
    return Target(table, index)


def check_select(request: dict[str, Any], *, query: bool) -> str:
    """The effective Select, with DynamoDB's rules (Query wraps two of them)."""
    select = request.get("Select")
    projected = "ProjectionExpression" in request or "AttributesToGet" in request
    prefix = "1 validation error detected: " if query else ""
    if select is None:
        if projected:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if "IndexName" in request else "ALL_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES" and not projected:
        raise validation(
            prefix
            + "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
        )
    if select == "ALL_PROJECTED_ATTRIBUTES" and "IndexName" not in request:
        raise validation(
            prefix + "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if select != "SPECIFIC_ATTRIBUTES" and projected:
        member = "ProjectionExpression" if "ProjectionExpression" in request else "AttributesToGet"
        wanted = "only the Count" if select == "COUNT" else select
        raise validation(f"Cannot specify the {member} when choosing to get {wanted}")
    return str(select)


def check_select_for_target(select: str, read: Target) -> None:
    index = read.index
    if select == "ALL_ATTRIBUTES" and index is not None and index.kind == "GSI" and index.projection != "ALL":
        raise invalid_parameters(
            f"Select type ALL_ATTRIBUTES is not supported for global secondary index {index.name} "
            "because its projection type is not ALL"
        )


def check_start_key(read: Target, start: Item) -> Position:
    """The position an ExclusiveStartKey stands for (it need not be an existing item)."""
    names = read.key_names
    if set(start) != set(names):
        raise validation(START_KEY_INVALID + "The provided key element does not match the schema")
    table_schema = read.table.key_schema
    for schema in (table_schema, read.key_schema):
        for attr in schema.attributes:
            if attr.type not in start[attr.name]:
                raise validation(START_KEY_INVALID + "The provided key element does not match the schema")
    table_key = table_schema.primary_key(start)
    if read.index is None:
        key = table_key
        sort = table_schema.range
        order = b"" if sort is None else encode(sort.type, start[sort.name][sort.type])
        return Position(key, order)
    entry = entry_key(read.index.key_schema, start, table_key)
    assert entry is not None
    sort = read.index.key_schema.range
    order = b"" if sort is None else encode(sort.type, start[sort.name][sort.type])
    return Position(entry, order + entry[-indexes.TABLE_KEY_DIGEST :])


@dataclass
class Page:
    items: list[Item]
    scanned: int
    size: int
    last: Item | None  # the last evaluated item, when the page stopped early
    fetched: int = 0  # bytes read back from the table (LSI reads of unprojected attributes)


Entries = Iterator[tuple[bytes, Item, int]]  # (entry key, item or projected entry, size)


def read_page(entries: Entries, limit: int | None) -> Page:
    """Evaluate entries until Limit items or 1 MB; keep them all (the filter comes later)."""
    page = Page([], 0, 0, None)
    for _, item, size in entries:
        page.items.append(item)
        page.scanned += 1
        page.size += size
        if (limit is not None and page.scanned >= limit) or page.size >= PAGE_BYTES:
            page.last = item
            break
    return page


def entries(
    view: ReadView, read: Target, lo: bytes | None, hi: bytes | None, reverse: bool, after: Position | None
) -> Entries:
    """(entry key, item or projected index entry, size) in order over a key range."""
    if read.index is None:
        yield from view.table_entries(read.table, lo, hi, reverse=reverse, after=after)
        return
    for key, _, projected, size in view.index_entries(
        read.table, read.index, lo, hi, reverse=reverse, after=after
    ):
        yield key, projected, size


def overflow_length(read: Target) -> int:
    """Entry keys longer than this are overflow keys (see ``storage.ranges``)."""
    return TABLE_GROUP if read.index is None else INDEX_OVERFLOW


@dataclass(frozen=True)
class Output:
    """How evaluated items become the response: filter, then Select/projection."""

    select: str
    filter: Condition | None
    projection: Projection | None

    def needs_table_fetch(self, read: Target) -> bool:
        """LSI reads asking for attributes the index does not store read them from the table."""
        if read.index is None or read.index.kind != "LSI" or read.projected is None or self.select == "COUNT":
            return False
        if self.select == "ALL_ATTRIBUTES":
            return True
        if self.projection is not None:
            stored = set(read.projected)
            return any(p.elements[0] not in stored for p in self.projection.paths)
        return False


def respond(
    view: ReadView, read: Target, page: Page, output: Output, request: dict[str, Any], consistent: bool
) -> dict[str, Any]:
    """Filter, project, and build the Query/Scan response (with LastEvaluatedKey and capacity)."""
    items = page.items
    fetched = 0
    if output.needs_table_fetch(read):
        full = []
        for item in items:
            stored = view.get_item(read.table, read.table.key_schema.key_of(item))
            if stored is not None:
                full.append(stored[0])
                fetched += stored[1]
        items = full
    if output.filter is not None:
        keep = compile_condition(output.filter)
        items = [item for item in items if keep(item)]
    response: dict[str, Any] = {}
    if output.select != "COUNT":
        if output.projection is not None:
            project = projector(output.projection.paths)
            response["Items"] = [project(item) for item in items]
        else:
            response["Items"] = items
    response["Count"] = len(items)
    response["ScannedCount"] = page.scanned
    if page.last is not None:
        response["LastEvaluatedKey"] = {name: page.last[name] for name in read.key_names if name in page.last}
    mode = request.get("ReturnConsumedCapacity")
    if mode is not None and mode != "NONE":
        units = read_units(page.size, consistent)
        capacity = Capacity(read.table.name)
        if read.index is None:
            capacity.units = units
        else:
            capacity.add_index(read.index.kind, read.index.name, units)
            if fetched:
                capacity.units = read_units(fetched, consistent)
        response["ConsumedCapacity"] = capacity.render(mode)
    return response


def key_attributes_in(condition: Condition, names: tuple[str, ...]) -> str | None:
    """The first key attribute a (resolved) filter refers to, if any."""
    for name in top_level_names(condition):
        if name in names:
            return name
    return None
