"""Order-preserving, self-delimiting encoding of key values, and the primary-key layout.

Byte layout
===========

Primary key (the LMDB key of an item in its table's database)::

    pid(pk) [|| sort_part(sk)]

``pid`` (partition id) is the 16-byte BLAKE2b digest of the partition key's type tag and
canonical bytes. Its first 8 bytes order partitions in a Scan the way DynamoDB's hash does
(stable and random-looking) and make parallel Scan exact: segment *i* of *n* owns a
contiguous range of that 64-bit space. A Query is a prefix range on ``pid``. The key value
itself is not in the LMDB key because LMDB keys are at most 511 bytes while DynamoDB
allows 2048-byte partition keys; the item stored under the key holds the real value, and
readers compare it, so even a digest collision can never return the wrong item.

``sort_part`` is ``enc(sk)`` when that is at most 400 bytes. Longer encodings (S or B sort
keys over ~400 bytes; DynamoDB allows 1024) are cut to their first 400 bytes followed by an
8-byte digest of the whole encoding. Such *overflow* keys still sort correctly against
every other key (a complete encoding can never be a prefix of another); only overflow keys
sharing the same 400-byte prefix are in digest order, and range reads re-sort those groups
by the real sort key (the key length tells an overflow key apart).

``enc`` depends on the attribute's type (fixed by the table schema, so no tag is stored):

* **S** - the UTF-8 bytes, **B** - the raw bytes; in both, ``00`` is escaped as ``00 FF``
  and the value ends with ``00 01``. Byte order of the encoding is the unsigned byte order
  of the value, and a value sorts before its extensions.
* **N** - one sign byte: ``01`` negative, ``02`` zero (nothing follows), ``03`` positive.
  A non-zero value is written as ``0.d1d2... x 10^e``; then one exponent byte ``e + 129``
  (DynamoDB's range makes ``e`` lie in -129..126), then the digits in pairs, each pair
  ``p`` (00..99) as the byte ``p + 1``, an odd last digit padded with 0, then ``00``. For
  negatives, the exponent byte and every following byte (terminator included) are
  complemented (``FF - b``), so larger magnitudes sort first. At most 22 bytes.

Every encoding is prefix-free, so concatenations sort as tuples.
"""

from __future__ import annotations

import hashlib
import struct
from decimal import Decimal
from typing import Final

from storage.errors import StorageError
from storage.values import B, N, S, canonical_decimal

PID_SIZE: Final = 16
MAX_SORT_PART: Final = 400
OVERFLOW_DIGEST: Final = 8
_TAG_BYTE: Final = {S: b"S", N: b"N", B: b"B"}
_TERMINATOR: Final = b"\x00\x01"
_EXPONENT_BIAS: Final = 129
_NEGATIVE, _ZERO, _POSITIVE = 0x01, 0x02, 0x03
_COMPLEMENT: Final = bytes(range(255, -1, -1))
_HASH_SPACE: Final = 1 << 64


def encode_bytes(raw: bytes) -> bytes:
    """Escape ``00`` and terminate: order-preserving and prefix-free."""
    return raw.replace(b"\x00", b"\x00\xff") + _TERMINATOR


def encode_number(canonical: str) -> bytes:
    """Encode a canonical DynamoDB number (see the module docstring)."""
    if canonical == "0":
        return bytes((_ZERO,))
    negative = canonical[0] == "-"
    magnitude = canonical[1:] if negative else canonical
    if magnitude.isdigit() and magnitude.isascii():
        # An integer (the common sort key): canonical, so no leading zeros; no Decimal.
        digits = magnitude.rstrip("0")
        e = len(magnitude)
    else:
        _, digit_tuple, exponent = Decimal(magnitude).as_tuple()
        assert isinstance(exponent, int)
        digits = "".join(map(str, digit_tuple)).rstrip("0")
        e = exponent + len(digit_tuple)  # value = 0.digits x 10^e
    if len(digits) % 2:
        digits += "0"
    body = bytes([e + _EXPONENT_BIAS, *[int(digits[i : i + 2]) + 1 for i in range(0, len(digits), 2)], 0])
    if negative:
        return bytes((_NEGATIVE,)) + body.translate(_COMPLEMENT)
    return bytes((_POSITIVE,)) + body


def encode(tag: str, payload: str | bytes) -> bytes:
    """``enc`` of one key value: ``tag`` is S, N or B, ``payload`` the value in item form."""
    if tag == S:
        assert isinstance(payload, str)
        return encode_bytes(payload.encode("utf-8"))
    if tag == N:
        assert isinstance(payload, str)
        return encode_number(payload)
    if tag == B:
        assert isinstance(payload, bytes)
        return encode_bytes(payload)
    raise StorageError(f"not a key type: {tag}")


def _decode_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    out = bytearray()
    while True:
        end = data.index(b"\x00", pos)
        out += data[pos:end]
        marker = data[end + 1]
        if marker == 0xFF:
            out.append(0)
            pos = end + 2
        elif marker == 0x01:
            return bytes(out), end + 2
        else:
            raise StorageError("corrupt key encoding")


def _decode_number(data: bytes, pos: int) -> tuple[str, int]:
    sign = data[pos]
    if sign == _ZERO:
        return "0", pos + 1
    negative = sign == _NEGATIVE
    end = data.index(b"\xff" if negative else b"\x00", pos + 2)
    body = data[pos + 1 : end]
    if negative:
        body = body.translate(_COMPLEMENT)
    e = body[0] - _EXPONENT_BIAS
    digits = "".join(f"{b - 1:02d}" for b in body[1:])
    text = f"{'-' if negative else ''}0.{digits}E{e}"
    return canonical_decimal(Decimal(text)), end + 1


def decode(tag: str, data: bytes, pos: int = 0) -> tuple[str | bytes, int]:
    """Decode one ``enc`` value starting at ``pos``; return (payload, next position)."""
    if tag == N:
        return _decode_number(data, pos)
    raw, pos = _decode_bytes(data, pos)
    if tag == S:
        return raw.decode("utf-8"), pos
    return raw, pos


def partition_id(tag: str, payload: str | bytes) -> bytes:
    """The 16-byte partition id; every key of one partition starts with it."""
    if tag == B:
        assert isinstance(payload, bytes)
        raw = payload
    else:
        assert isinstance(payload, str)
        raw = payload.encode("utf-8")
    return hashlib.blake2b(_TAG_BYTE[tag] + raw, digest_size=PID_SIZE).digest()


def sort_part(tag: str, payload: str | bytes) -> bytes:
    """``enc(sk)``, or its overflow form when longer than ``MAX_SORT_PART`` bytes."""
    encoded = encode(tag, payload)
    if len(encoded) <= MAX_SORT_PART:
        return encoded
    return encoded[:MAX_SORT_PART] + hashlib.blake2b(encoded, digest_size=OVERFLOW_DIGEST).digest()


def is_overflow(part: bytes) -> bool:
    """Whether a sort part (as stored) is an overflow key."""
    return len(part) > MAX_SORT_PART


def segment_bounds(segment: int, total: int) -> tuple[bytes, bytes | None]:
    """Hash range ``[lo, hi)`` owned by one parallel-Scan segment (``hi`` None = end)."""
    lo = segment * _HASH_SPACE // total
    hi = (segment + 1) * _HASH_SPACE // total
    return struct.pack(">Q", lo), (None if hi >= _HASH_SPACE else struct.pack(">Q", hi))
