"""Scan: whole tables, filters, pagination and parallel segments."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import create_table, raises

N = lambda n: {"N": str(n)}  # noqa: E731
S = lambda s: {"S": s}  # noqa: E731
COUNT = 120


@pytest.fixture(scope="module")
def filled(client: Any) -> Any:
    """A hash+range table holding COUNT items over 30 partitions."""
    name = create_table(client, range_key=("sk", "N"))
    for i in range(COUNT):
        client.put_item(
            TableName=name, Item={"pk": S(f"p{i % 30}"), "sk": N(i), "even": {"BOOL": i % 2 == 0}}
        )
    yield name
    client.delete_table(TableName=name)


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(i["pk"]["S"], i["sk"]["N"]) for i in items]


def scan_all(client: Any, table: str, **extra: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    start = None
    while True:
        params = dict(extra)
        if start:
            params["ExclusiveStartKey"] = start
        page = client.scan(TableName=table, **params)
        pages += 1
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items, pages


def test_full_scan(client: Any, filled: str) -> None:
    # A Scan returns every item once; within a partition, items are in sort-key order.
    items, _ = scan_all(client, filled)
    assert len(items) == COUNT and len(set(keys(items))) == COUNT
    by_partition: dict[str, list[int]] = {}
    for pk, sk in keys(items):
        by_partition.setdefault(pk, []).append(int(sk))
    assert all(v == sorted(v) for v in by_partition.values())
    # Partitions come in a stable, hashed order, not by key.
    order = list(dict.fromkeys(pk for pk, _ in keys(items)))
    assert order != sorted(order)
    assert keys(scan_all(client, filled)[0]) == keys(items)


def test_scan_pagination(client: Any, filled: str) -> None:
    # Limit pages cover the table exactly once, in the same order as one big scan.
    whole, _ = scan_all(client, filled)
    paged, pages = scan_all(client, filled, Limit=7)
    assert keys(paged) == keys(whole) and pages == COUNT // 7 + 1


def test_scan_filter_may_use_keys(client: Any, filled: str) -> None:
    # Scan filters may reference key attributes; ScannedCount counts everything read.
    page = client.scan(
        TableName=filled,
        FilterExpression="sk < :n AND even = :t",
        ExpressionAttributeValues={":n": N(10), ":t": {"BOOL": True}},
    )
    assert page["Count"] == 5 and page["ScannedCount"] == COUNT


@pytest.mark.parametrize("total", [1, 2, 3, 7, 16])
def test_parallel_scan_segments(client: Any, filled: str, total: int) -> None:
    # Segments are disjoint and together cover the table.
    seen: list[tuple[str, str]] = []
    for segment in range(total):
        items, _ = scan_all(client, filled, Segment=segment, TotalSegments=total, Limit=10)
        seen += keys(items)
    assert len(seen) == COUNT and len(set(seen)) == COUNT


def test_segment_errors(client: Any, filled: str) -> None:
    # Segment and TotalSegments come together; Segment is zero-based and below TotalSegments.
    with raises(
        "ValidationException",
        "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
    ):
        client.scan(TableName=filled, Segment=0)
    with raises(
        "ValidationException",
        "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
    ):
        client.scan(TableName=filled, TotalSegments=2)
    with raises(
        "ValidationException",
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5",
    ):
        client.scan(TableName=filled, Segment=5, TotalSegments=5)


def test_start_key_from_another_segment(client: Any, filled: str) -> None:
    # A start key must belong to the segment being scanned.
    items, _ = scan_all(client, filled, Segment=1, TotalSegments=2)
    start = {"pk": items[0]["pk"], "sk": items[0]["sk"]}
    with raises(
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 0",
    ):
        client.scan(TableName=filled, Segment=0, TotalSegments=2, ExclusiveStartKey=start)


def test_scan_limit_zero(client: Any, filled: str) -> None:
    # Scan's Limit below 1 is a plain constraint error.
    with raises(
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ):
        client.scan(TableName=filled, Limit=0)


def test_scan_select_rules(client: Any, filled: str) -> None:
    # Scan words the Select errors without the envelope.
    with raises(
        "ValidationException", "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
    ):
        client.scan(TableName=filled, Select="ALL_PROJECTED_ATTRIBUTES")
    with raises(
        "ValidationException",
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    ):
        client.scan(TableName=filled, Select="SPECIFIC_ATTRIBUTES")


def test_scan_capacity(client: Any) -> None:
    # Scan capacity is 4 KB units over the data read; an empty table costs the minimum.
    name = create_table(client)
    response = client.scan(TableName=name, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 0.5}
    for i in range(3):
        client.put_item(TableName=name, Item={"pk": S(f"k{i}"), "d": S("x" * 3000)})
    response = client.scan(TableName=name, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert response["ConsumedCapacity"]["CapacityUnits"] == 3.0
    client.delete_table(TableName=name)


def test_empty_items_kept_by_projection(client: Any, filled: str) -> None:
    # Items lacking every projected attribute are returned as {}.
    page = client.scan(TableName=filled, ProjectionExpression="absent", Limit=3)
    assert page["Items"] == [{}, {}, {}]
