"""The value model: number grammar, canonical form, limits, item size, equality."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.errors import InvalidValue
from storage.values import canonical_number, compare_scalars, item_size, number_size, value_size, values_equal


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("01.50", "1.5"),
        ("1e3", "1000"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("0e5", "0"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("5.", "5"),
        ("+.5", "0.5"),
        ("1e+5", "100000"),
        ("1.23e4", "12300"),
        ("123e-2", "1.23"),
        ("3.1400", "3.14"),
        ("1.5E2", "150"),
        ("+1000", "1000"),
        ("001000", "1000"),
        ("1e-20", "0.00000000000000000001"),
        ("1e125", "1" + "0" * 125),
        ("0.0e126", "0"),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    # Numbers are stored in plain, minimal decimal notation.
    assert canonical_number(text) == canonical


@pytest.mark.parametrize(
    "text",
    ["NaN", "Infinity", "-Infinity", "dog", "+e2", "1+2", "++5", "1.2.3", "1e", " 5", "5 ", "1_000", "", "٣"],
)
def test_rejected_grammar(text: str) -> None:
    # Only DynamoDB's number grammar is accepted (Decimal alone would take NaN, spaces, "1_000").
    with pytest.raises(InvalidValue, match="cannot be converted to a numeric value"):
        canonical_number(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1e126", "overflow"),
        ("11e125", "overflow"),
        ("0e126", "overflow"),
        ("1e-131", "underflow"),
        ("0.9e-130", "underflow"),
        ("0e-131", "underflow"),
        ("1" * 39, "38 significant digits"),
        ("-1.23456789012345678901234567890123456789", "38 significant digits"),
        ("1" * 39 + "e200", "38 significant digits"),
    ],
)
def test_limits(text: str, fragment: str) -> None:
    # Magnitude 1E-130 .. 9.99E+125 and 38 significant digits (digits checked first).
    with pytest.raises(InvalidValue, match=fragment):
        canonical_number(text)


def test_trailing_integer_zeros_are_not_significant() -> None:
    # 1000 has one significant digit, so 40-character integers can be valid.
    assert (
        canonical_number("1234567895171680000000000000000000000000")
        == "1234567895171680000000000000000000000000"
    )


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_canonical_is_idempotent_and_exact(value: Decimal) -> None:
    # Canonicalising never changes a number's value, and canonical text is a fixed point.
    try:
        canonical = canonical_number(str(value))
    except InvalidValue:
        return
    assert Decimal(canonical) == value
    assert canonical_number(canonical) == canonical
    assert "e" not in canonical.lower() and not canonical.startswith("+")


# Byte sizes measured against DynamoDB by bisecting the 400 KB limit.
MEASURED = {
    "0": 1,
    "1": 2,
    "12": 2,
    "123": 3,
    "1234": 3,
    "1" * 38: 20,
    "0042": 2,
    "100": 2,
    "1010": 3,
    "0.0000001": 2,
    "1E125": 2,
    "1E-100": 2,
    "1.5": 3,
    "15": 2,
    "1.2": 3,
    "1.200": 3,
    "1.234": 4,
    "3.14159": 5,
    "123456": 4,
    "100.5": 4,
    "0.15": 2,
    "-42": 3,
    "-0": 1,
    "12.3456": 4,
}


@pytest.mark.parametrize(("text", "size"), MEASURED.items())
def test_number_sizes_match_dynamodb(text: str, size: int) -> None:
    # Numbers are sized as base-100 digit pairs aligned on the decimal point, +1, +1 if negative.
    assert number_size(canonical_number(text)) == size


def test_item_size_formula() -> None:
    # Names count; lists and maps cost 3 + 1 per element; sets have no overhead.
    assert item_size({"shirt-color": {"S": "R"}, "shirt-size": {"S": "M"}}) == 23
    assert value_size({"L": [{"S": "ab"}, {"NULL": True}]}) == 3 + (1 + 2) + (1 + 1)
    assert value_size({"M": {"k": {"BOOL": False}}}) == 3 + (1 + 1 + 1)
    assert value_size({"SS": ["a", "bc"]}) == 3
    assert value_size({"BS": [b"\x00", b"\x01\x02"]}) == 3
    assert value_size({"NS": ["1", "-1"]}) == 2 + 3
    assert value_size({"S": "é"}) == 2


def test_values_equal() -> None:
    # Equality is typed, numbers by value, sets unordered, maps and lists deep.
    assert values_equal({"N": "1"}, {"N": "1.0"})
    assert not values_equal({"N": "3"}, {"S": "3"})
    assert values_equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert values_equal({"NS": ["1", "2"]}, {"NS": ["2.0", "1"]})
    assert values_equal({"M": {"a": {"L": [{"N": "1"}]}}}, {"M": {"a": {"L": [{"N": "1"}]}}})
    assert not values_equal({"L": [{"N": "1"}, {"N": "2"}]}, {"L": [{"N": "2"}, {"N": "1"}]})


def test_compare_scalars() -> None:
    # Strings by UTF-8 bytes (case-sensitive), numbers by value, binary unsigned.
    assert compare_scalars("S", "B", "a") < 0
    assert compare_scalars("N", "-10", "9") < 0
    assert compare_scalars("N", "1000", "1e3") == 0
    assert compare_scalars("B", b"\x7f", b"\x80") < 0
    assert compare_scalars("B", b"ab", b"abc") < 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1e9999999999999999999", "overflow"),
        ("0e9999999999999999999", "overflow"),
        ("1e-9999999999999999999", "underflow"),
    ],
)
def test_exponents_beyond_decimal(text: str, fragment: str) -> None:
    # Exponents too large even for Python's Decimal are DynamoDB range errors, not crashes.
    with pytest.raises(InvalidValue, match=fragment):
        canonical_number(text)
