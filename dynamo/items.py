"""Whole-item rules: attribute names and the 400 KB limit."""

from __future__ import annotations

from typing import Final

from dynamo.errors import validation
from storage.values import MAX_ITEM_SIZE, Item, item_size

MAX_NAME_BYTES: Final = 65535
ITEM_TOO_LARGE: Final = "Item size has exceeded the maximum allowed size"


def check_names(item: Item) -> None:
    """Top-level attribute names: non-empty and at most 64 KB of UTF-8.

    The texts are DynamoDB Local's (the service's own wording is unconfirmed).
    """
    for name in item:
        if not name:
            raise validation("Empty attribute name")
        if len(name) > MAX_NAME_BYTES // 4 and len(name.encode("utf-8")) > MAX_NAME_BYTES:
            raise validation("Attribute name is too large, must be less than 65536 bytes")


def check_item_size(item: Item) -> int:
    """The item's size, or DynamoDB's error if it is over 400 KB."""
    size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise validation(ITEM_TOO_LARGE)
    return size
