"""The value model shared by every layer: type tags, numbers, comparison and item size.

Items are held in the shape boto3's low-level client uses: ``{"name": {"S": "x"}}`` with
``B`` as ``bytes``, ``N`` as a *canonical* decimal string, sets as lists. Key encoding
(``storage.keycodec``) and expression evaluation both go through this module, so a number
means the same thing everywhere.

Numbers follow DynamoDB: at most 38 significant digits, magnitude between 1E-130 and
9.99...E+125 (or zero), and a canonical plain-decimal rendering (``01.50`` -> ``1.5``,
``1e3`` -> ``1000``, ``-0`` -> ``0``).
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final

from storage.errors import InvalidValue

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

S: Final = "S"
N: Final = "N"
B: Final = "B"
SS: Final = "SS"
NS: Final = "NS"
BS: Final = "BS"
M: Final = "M"
L: Final = "L"
NULL: Final = "NULL"
BOOL: Final = "BOOL"

ALL_TYPES: Final = frozenset({S, N, B, SS, NS, BS, M, L, NULL, BOOL})
KEY_TYPES: Final = frozenset({S, N, B})
SET_TYPES: Final = frozenset({SS, NS, BS})
#: Element type of each set type.
SET_ELEMENT: Final = {SS: S, NS: N, BS: B}

MAX_SIGNIFICANT_DIGITS: Final = 38
MAX_ADJUSTED_EXPONENT: Final = 125  # 9.99..E+125
MIN_ADJUSTED_EXPONENT: Final = -130  # 1E-130
MAX_ITEM_SIZE: Final = 400 * 1024

# Wide enough that parsing and arithmetic never round: 38 digits plus the full exponent
# range fit with room to spare, so any loss of precision is detected by validation.
NUMBER_CONTEXT: Final = Context(prec=300, Emax=999999, Emin=-999999)

# DynamoDB's accepted number grammar: optional sign, digits with at most one dot and at
# least one digit, optional exponent with optional sign and at least one digit.
_NUMBER_GRAMMAR: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Already-canonical integers (the common case) skip Decimal entirely.
_CANONICAL_INT: Final = re.compile(r"-?[1-9][0-9]{0,37}|0")

NUMBER_OVERFLOW: Final = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
NUMBER_UNDERFLOW: Final = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)
TOO_MANY_DIGITS: Final = "Attempting to store more than 38 significant digits in a Number"


def canonical_number(text: str) -> str:
    """Validate a number as DynamoDB does and return its canonical rendering.

    >>> canonical_number("01.50"), canonical_number("1e3"), canonical_number("-0")
    ('1.5', '1000', '0')
    >>> canonical_number("1.23e-2")
    '0.0123'
    """
    if _CANONICAL_INT.fullmatch(text):
        return text
    if not _NUMBER_GRAMMAR.fullmatch(text):
        if text == "":
            raise InvalidValue("The parameter cannot be converted to a numeric value")
        raise InvalidValue(f"The parameter cannot be converted to a numeric value: {text}")
    try:
        value = Decimal(text)  # exact, whatever the length
    except InvalidOperation:
        # Only an exponent beyond Decimal's own limits gets here: far out of DynamoDB's range.
        exponent = text.lower().partition("e")[2]
        raise InvalidValue(NUMBER_UNDERFLOW if exponent.startswith("-") else NUMBER_OVERFLOW) from None
    if value.is_zero():
        # DynamoDB range-checks zero as written: "0e126" overflows, "0.0e126" does not.
        _check_range(value.adjusted())
        return "0"
    return canonical_decimal(value)


def _check_range(adjusted: int) -> None:
    if adjusted > MAX_ADJUSTED_EXPONENT:
        raise InvalidValue(NUMBER_OVERFLOW)
    if adjusted < MIN_ADJUSTED_EXPONENT:
        raise InvalidValue(NUMBER_UNDERFLOW)


def canonical_decimal(value: Decimal) -> str:
    """Validate a Decimal against DynamoDB's number limits; return the canonical string.

    The digit count is checked before the range, as DynamoDB Local does.
    """
    if value.is_zero():
        return "0"
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = len(digits)
    while digits[significant - 1] == 0:
        significant -= 1
    if significant > MAX_SIGNIFICANT_DIGITS:
        raise InvalidValue(TOO_MANY_DIGITS)
    _check_range(exponent + len(digits) - 1)
    # Exact: at most 38 significant digits, far below the context precision.
    return format(value.normalize(NUMBER_CONTEXT), "f")


def number_value(canonical: str) -> Decimal:
    """The Decimal of a stored (already canonical) number string."""
    return Decimal(canonical)


def number_size(canonical: str) -> int:
    """Bytes a number counts for in the item size (DynamoDB's base-100 mantissa).

    DynamoDB stores a number as an exponent byte and base-100 digit pairs aligned on the
    decimal point, with zero pairs at either end dropped, plus a terminator byte for
    negatives that have fewer than 20 pairs (so no number takes more than 21 bytes).

    >>> [number_size(n) for n in ("0", "42", "-42", "0.0000001", "123.45", "1000")]
    [1, 2, 3, 2, 4, 2]
    """
    if canonical == "0":
        return 1
    negative = canonical[0] == "-"
    body = canonical[1:] if negative else canonical
    whole, _, fraction = body.partition(".")
    whole = whole.lstrip("0")
    # Pad to whole pairs on both sides of the decimal point, then drop zero pairs at the ends.
    if len(whole) % 2:
        whole = "0" + whole
    if len(fraction) % 2:
        fraction += "0"
    pairs = [(whole + fraction)[i : i + 2] for i in range(0, len(whole) + len(fraction), 2)]
    first = 0
    while pairs[first] == "00":
        first += 1
    last = len(pairs)
    while pairs[last - 1] == "00":
        last -= 1
    count = last - first
    return 1 + count + (1 if negative and count < 20 else 0)


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def value_size(value: AttributeValue) -> int:
    """Size of one attribute value by DynamoDB's item-size formula (reference 3.1)."""
    for tag, data in value.items():
        if tag == S:
            return _utf8_len(data)
        if tag == N:
            return number_size(data)
        if tag == B:
            return len(data)
        if tag in (BOOL, NULL):
            return 1
        if tag == SS:
            return sum(_utf8_len(s) for s in data)
        if tag == NS:
            return sum(number_size(n) for n in data)
        if tag == BS:
            return sum(len(b) for b in data)
        if tag == L:
            return 3 + sum(1 + value_size(v) for v in data)
        if tag == M:
            return 3 + sum(_utf8_len(k) + 1 + value_size(v) for k, v in data.items())
    raise InvalidValue(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


def item_size(item: Item) -> int:
    """Size of an item: for each attribute, its name's UTF-8 length plus its value's size.

    >>> item_size({"shirt-color": {"S": "R"}, "shirt-size": {"S": "M"}})
    23
    """
    return sum(_utf8_len(name) + value_size(value) for name, value in item.items())


def type_of(value: AttributeValue) -> str:
    """The type tag of an attribute value (``"S"``, ``"NS"``, ...)."""
    return next(iter(value))


def compare_scalars(tag: str, a: Any, b: Any) -> int:
    """Three-way comparison of two S, N or B payloads of the same type, DynamoDB order.

    Strings compare by UTF-8 bytes (which is code-point order), binary by unsigned bytes,
    numbers by value.
    """
    if tag == N:
        x, y = Decimal(a), Decimal(b)
    else:
        x, y = a, b
    return (x > y) - (x < y)


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """DynamoDB equality: same type and same value; sets unordered, numbers by value."""
    ((ta, va),) = a.items()
    ((tb, vb),) = b.items()
    if ta != tb:
        return False
    if ta == N:
        return va == vb or Decimal(va) == Decimal(vb)
    if ta in SET_TYPES:
        if len(va) != len(vb):
            return False
        if ta == NS:
            return {Decimal(x) for x in va} == {Decimal(x) for x in vb}
        return set(va) == set(vb)
    if ta == L:
        return len(va) == len(vb) and all(values_equal(x, y) for x, y in zip(va, vb, strict=True))
    if ta == M:
        return va.keys() == vb.keys() and all(values_equal(v, vb[k]) for k, v in va.items())
    return bool(va == vb)


def number_from_python(value: int | float | Decimal) -> str:
    """Canonical DynamoDB number string for a Python number (used by tests and tools)."""
    return canonical_number(str(value))
