"""Query: one partition of a table or index, in sort-key order, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynamo import reads
from dynamo.engine import Context
from dynamo.errors import validation
from dynamo.expression_params import Expressions, prepare
from dynamo.operations import Operation
from dynamo.params import (
    NAME_PATTERN,
    conditions,
    data_table_name,
    enum,
    expression_names,
    expression_values,
    return_consumed_capacity,
)
from dynamo.shapes import Boolean, Errors, Integer, List, Member, Request, String
from expressions import (
    FILTER,
    KEY_CONDITION,
    PROJECTION,
    ExpressionError,
    KeyAttr,
    KeyCondition,
    key_conditions,
)
from expressions import key_range as to_key_range
from storage.keycodec import encode, encode_bytes, partition_id
from storage.ranges import successor
from storage.values import Item, compare_scalars

SELECT = ["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"]
MAX_SORT_BOUND = 400  # longer encodings are truncated in keys (storage.keycodec)


class QueryLimit(Integer):
    """Query's ``Limit``: DynamoDB reports a bad one without its value, capitalised."""

    def constrain(self, value: int, path: str, errors: Errors) -> None:
        if value < 1:
            errors.items.append(
                "Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )


REQUEST = Request(
    "QueryInput",
    {
        "TableName": data_table_name(),
        "IndexName": Member(String(min_len=3, max_len=255, pattern=NAME_PATTERN)),
        "Select": enum(SELECT),
        "AttributesToGet": Member(List(String(), min_len=1, max_len=255)),
        "Limit": Member(QueryLimit()),
        "ConsistentRead": Member(Boolean()),
        "KeyConditions": conditions(),
        "QueryFilter": conditions(),
        "ConditionalOperator": enum(["OR", "AND"]),
        "ScanIndexForward": Member(Boolean()),
        "ExclusiveStartKey": reads.exclusive_start_key(),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ProjectionExpression": Member(String()),
        "FilterExpression": Member(String()),
        "KeyConditionExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
        "ExpressionAttributeValues": expression_values(),
    },
)
EXPRESSIONS = Expressions(
    {"KeyConditionExpression": KEY_CONDITION, "FilterExpression": FILTER, "ProjectionExpression": PROJECTION},
    legacy=("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
)


def _bounds(prefix: bytes, sort: KeyCondition | None, sort_type: str) -> tuple[bytes, bytes | None, bool]:
    """Byte bounds of a partition narrowed by a sort condition, and whether every entry in
    them needs an exact check (a bound longer than the 400 bytes a key keeps)."""
    end = successor(prefix)
    if sort is None:
        return prefix, end, False
    exact = False

    def encoded(index: int) -> bytes:
        nonlocal exact
        value = sort.values[index][sort_type]
        full = encode(sort_type, value)
        if len(full) > MAX_SORT_BOUND:
            exact = True
            return full[:MAX_SORT_BOUND]
        return full

    def after_all(index: int) -> bytes | None:
        """Just past every key equal to value ``index`` (and the overflow group it heads)."""
        return successor(prefix + encoded(index))

    op = sort.op
    lo: bytes = prefix
    hi: bytes | None = end
    if op == "=":
        lo, hi = prefix + encoded(0), after_all(0)
    elif op == "<":
        first = encoded(0)
        hi = successor(prefix + first) if exact else prefix + first
    elif op == "<=":
        hi = after_all(0)
    elif op == ">":
        first = encoded(0)
        lo = prefix + first if exact else (successor(prefix + first) or prefix)
    elif op == ">=":
        lo = prefix + encoded(0)
    elif op == "BETWEEN":
        lo, hi = prefix + encoded(0), after_all(1)
    else:  # begins_with: a prefix of the escaped value, without its terminator
        value = sort.values[0][sort_type]
        raw = value.encode("utf-8") if isinstance(value, str) else value
        escaped = encode_bytes(raw)[:-2]
        if len(escaped) > MAX_SORT_BOUND:
            exact, escaped = True, escaped[:MAX_SORT_BOUND]
        lo, hi = prefix + escaped, successor(prefix + escaped)
    return lo, hi, exact


def _sort_matcher(sort: KeyCondition | None, name: str, sort_type: str) -> Callable[[Item], bool]:
    """The exact sort-key condition, for entries whose key bytes cannot decide it."""
    if sort is None:
        return lambda item: True
    values = [v[sort_type] for v in sort.values]
    op = sort.op

    def holds(item: Item) -> bool:
        value = item.get(name)
        if value is None or sort_type not in value:
            return False
        payload = value[sort_type]
        if op == "begins_with":
            return bool(payload.startswith(values[0]))
        if op == "BETWEEN":
            return (
                compare_scalars(sort_type, values[0], payload)
                <= 0
                <= compare_scalars(sort_type, values[1], payload)
            )
        c = compare_scalars(sort_type, payload, values[0])
        return {"=": c == 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]

    return holds


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    expressions = prepare(req, EXPRESSIONS)
    key_condition = expressions.condition("KeyConditionExpression")
    if key_condition is None:
        raise validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
        )
    select = reads.check_select(req, query=True)
    conditions = key_conditions(key_condition)
    filter_condition = expressions.condition("FilterExpression")
    output = reads.Output(select, filter_condition, expressions.projection())
    consistent = bool(req.get("ConsistentRead"))
    with ctx.store.read() as view:
        read = reads.target(ctx, view, req)
        reads.check_select_for_target(select, read)
        schema = read.key_schema
        hash_key = KeyAttr(schema.hash.name, schema.hash.type)
        range_key = None if schema.range is None else KeyAttr(schema.range.name, schema.range.type)
        try:
            key_range = to_key_range(conditions, hash_key, range_key)
        except ExpressionError as exc:
            raise validation(exc.message) from None
        if filter_condition is not None:
            used = reads.key_attributes_in(filter_condition, schema.names)
            if used is not None:
                member = "QueryFilter" if "QueryFilter" in req else "Filter Expression"
                raise validation(
                    f"{member} can only contain non-primary key attributes: Primary key attribute: {used}"
                )
        prefix = partition_id(hash_key.type, key_range.partition[hash_key.type])
        sort_type = range_key.type if range_key is not None else "S"
        lo, hi, exact_all = _bounds(prefix, key_range.sort, sort_type)
        matches_sort = _sort_matcher(key_range.sort, range_key.name if range_key else "", sort_type)
        after = None
        start = req.get("ExclusiveStartKey")
        if start is not None:
            after = reads.check_start_key(read, start)
            if start[hash_key.name] != key_range.partition:  # numbers are canonical: equal values, equal text
                raise validation(
                    "The provided starting key is outside query boundaries based on provided conditions"
                )
            if not matches_sort(start):
                raise validation("The provided starting key does not match the range key predicate")
        overflow = reads.overflow_length(read)
        partition = key_range.partition

        def in_range() -> reads.Entries:
            for key, item, size in reads.entries(
                view, read, lo, hi, not req.get("ScanIndexForward", True), after
            ):
                if item.get(hash_key.name) != partition:
                    continue  # another partition sharing the digest (never in practice)
                if (exact_all or len(key) > overflow) and not matches_sort(item):
                    continue
                yield key, item, size

        page = reads.read_page(in_range(), req.get("Limit"))
        return reads.respond(view, read, page, output, req, consistent)


OPERATION = Operation("Query", REQUEST, run)
