"""How an item is stored: the LMDB value is msgpack of ``[size, item]``.

``item`` is in the boto3 low-level shape (``B`` as bytes, ``N`` canonical strings) and
``size`` is its DynamoDB size, kept so that capacity accounting and ``TableSizeBytes`` never
re-walk an item that is only being read or replaced.
"""

from __future__ import annotations

from typing import Any

import msgpack

from storage.values import Item

_unpackb = msgpack.unpackb


def pack(item: Item, size: int) -> bytes:
    return bytes(msgpack.packb((size, item), use_bin_type=True))


def unpack(raw: Any) -> tuple[Item, int]:
    """Decode a stored value (``bytes`` or a buffer) into ``(item, size)``."""
    size, item = _unpackb(raw, raw=False, use_list=True)
    return item, size
