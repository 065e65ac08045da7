"""Key codec: round trips and order preservation (property tests), and the key layout."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from storage.errors import InvalidValue
from storage.keycodec import (
    MAX_SORT_PART,
    PID_SIZE,
    decode,
    encode,
    is_overflow,
    partition_id,
    segment_bounds,
    sort_part,
)
from storage.values import canonical_number


def _number(value: Decimal) -> str | None:
    try:
        return canonical_number(str(value))
    except InvalidValue:
        return None


numbers = (
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    .map(_number)
    .filter(lambda n: n is not None)
)
texts = st.text()
blobs = st.binary()


@given(texts)
def test_string_round_trip(value: str) -> None:
    # decode(encode(s)) == s, and the decoder stops exactly at the end of the value.
    data = encode("S", value) + b"tail"
    decoded, end = decode("S", data)
    assert decoded == value and data[end:] == b"tail"


@given(blobs)
def test_binary_round_trip(value: bytes) -> None:
    # decode(encode(b)) == b for any bytes, NULs included.
    decoded, _end = decode("B", encode("B", value))
    assert decoded == value


@given(numbers)
def test_number_round_trip(value: str) -> None:
    # decode(encode(n)) gives back the canonical number.
    decoded, end = decode("N", encode("N", value) + b"\x00")
    assert decoded == value and end == len(encode("N", value))


@given(texts, texts)
def test_string_order(a: str, b: str) -> None:
    # Encoded strings order as their UTF-8 bytes.
    ea, eb = encode("S", a), encode("S", b)
    assert (ea < eb) == (a.encode() < b.encode())
    assert (ea == eb) == (a == b)


@given(blobs, blobs)
def test_binary_order(a: bytes, b: bytes) -> None:
    # Encoded binaries order as unsigned bytes, a prefix before its extensions.
    assert (encode("B", a) < encode("B", b)) == (a < b)


@given(numbers, numbers)
def test_number_order(a: str, b: str) -> None:
    # Encoded numbers order by numeric value.
    assert (encode("N", a) < encode("N", b)) == (Decimal(a) < Decimal(b))
    assert (encode("N", a) == encode("N", b)) == (Decimal(a) == Decimal(b))


@given(texts, texts, texts, texts)
def test_concatenations_sort_as_tuples(a1: str, a2: str, b1: str, b2: str) -> None:
    # Encodings are prefix-free, so enc(x) || enc(y) sorts like the tuple (x, y).
    left = encode("S", a1) + encode("S", a2)
    right = encode("S", b1) + encode("S", b2)
    expected = (a1.encode(), a2.encode()) < (b1.encode(), b2.encode())
    assert (left < right) == expected


def test_number_encoding_is_compact() -> None:
    # The longest number (38 digits, negative) fits in 22 bytes.
    assert len(encode("N", canonical_number("-" + "9" * 38))) == 22
    assert encode("N", "0") == b"\x02"


def test_partition_ids() -> None:
    # Partition ids are 16 bytes, equal for equal values, different across types.
    assert len(partition_id("S", "a")) == PID_SIZE
    assert partition_id("S", "1") != partition_id("N", "1")
    assert partition_id("N", "1000") == partition_id("N", canonical_number("1e3"))


@given(st.text(min_size=300, max_size=600), st.text(min_size=300, max_size=600))
def test_overflow_sort_parts_keep_order_across_prefixes(a: str, b: str) -> None:
    # Long sort keys are cut to 400 bytes + digest; keys differing in the first 400 bytes keep their order.
    pa, pb = sort_part("S", a), sort_part("S", b)
    assert len(pa) <= MAX_SORT_PART + 8
    ea, eb = encode("S", a), encode("S", b)
    if ea[:MAX_SORT_PART] != eb[:MAX_SORT_PART]:
        assert (pa < pb) == (ea < eb)
    assert (pa == pb) == (a == b)


def test_overflow_detection() -> None:
    # A sort part longer than 400 bytes marks an overflow key; short ones are the plain encoding.
    assert not is_overflow(sort_part("S", "x" * 10))
    assert sort_part("S", "x" * 10) == encode("S", "x" * 10)
    long_part = sort_part("S", "x" * 1024)
    assert is_overflow(long_part) and len(long_part) == MAX_SORT_PART + 8


def test_segments_partition_the_hash_space() -> None:
    # Parallel-scan segments are contiguous, disjoint and cover the whole space.
    for total in (1, 2, 3, 7, 1000):
        bounds = [segment_bounds(i, total) for i in range(total)]
        assert bounds[0][0] == b"\x00" * 8 and bounds[-1][1] is None
        for (_, hi), (lo, _) in itertools.pairwise(bounds):
            assert hi == lo
