"""Key checks against a table's schema, in DynamoDB's order, producing key bytes."""

from __future__ import annotations

from typing import Final

from dynamo.errors import DynamoError, invalid_parameters, key_mismatch, validation
from storage.catalog import IndexDef, KeyAttribute, KeySchema, TableDef
from storage.values import B, Item, type_of

MAX_HASH_KEY: Final = 2048
MAX_RANGE_KEY: Final = 1024
HASH_TOO_BIG: Final = "Size of hashkey has exceeded the maximum size limit of2048 bytes"
RANGE_TOO_BIG: Final = "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"


def _empty_key(attr: KeyAttribute) -> DynamoError:
    kind = "binary" if attr.type == B else "string"
    return validation(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
        f"an empty {kind} value. Key: {attr.name}"
    )


def _empty_index_key(index: IndexDef, attr: KeyAttribute) -> DynamoError:
    return validation(
        "One or more parameter values are not valid. A value specified for a secondary index key is "
        "not supported. The AttributeValue for a key attribute cannot contain an empty string value. "
        f"IndexName: {index.name}, IndexKey: {attr.name}"
    )


def _is_empty(attr: KeyAttribute, value: dict[str, object] | None) -> bool:
    """Whether ``value`` is an empty string or binary of the attribute's type."""
    return value is not None and attr.type != "N" and value.get(attr.type) in ("", b"")


def _check_value(attr: KeyAttribute, payload: str | bytes, is_hash: bool) -> None:
    if attr.type == "N":
        return
    if not payload:
        raise _empty_key(attr)
    size = len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8"))
    if is_hash and size > MAX_HASH_KEY:
        raise invalid_parameters(HASH_TOO_BIG)
    if not is_hash and size > MAX_RANGE_KEY:
        raise invalid_parameters(RANGE_TOO_BIG)


def check_key(schema: KeySchema, key: Item) -> Item:
    """Check a ``Key`` parameter (GetItem, DeleteItem, UpdateItem, ...) against the schema."""
    attrs = schema.attributes
    if len(key) != len(attrs):
        raise key_mismatch()
    for i, attr in enumerate(attrs):
        value = key.get(attr.name)
        if value is None or type_of(value) != attr.type:
            raise key_mismatch()
        _check_value(attr, value[attr.type], i == 0)
    return key


def check_item_key(schema: KeySchema, item: Item) -> Item:
    """Check the key attributes of a whole item (PutItem), with PutItem's messages."""
    for i, attr in enumerate(schema.attributes):
        value = item.get(attr.name)
        if value is None:
            raise invalid_parameters(f"Missing the key {attr.name} in the item")
        actual = type_of(value)
        if actual != attr.type:
            raise invalid_parameters(
                f"Type mismatch for key {attr.name} expected: {attr.type} actual: {actual}"
            )
        _check_value(attr, value[attr.type], i == 0)
    return item


def check_index_keys(table: TableDef, item: Item, *, by_update: bool = False) -> None:
    """Index key attributes of an item to be written: right type, not empty, within size.

    Items lacking an index key are fine (they are not indexed). Indexes are checked in
    name order, as DynamoDB reports the first one.
    """
    table_keys = table.key_schema.names
    for index in sorted(table.indexes, key=lambda ix: ix.name):
        for i, attr in enumerate(index.key_schema.attributes):
            if attr.name in table_keys:
                continue
            value = item.get(attr.name)
            if value is None:
                continue
            actual = type_of(value)
            if actual != attr.type:
                raise invalid_parameters(
                    f"Type mismatch for Index Key {attr.name} Expected: {attr.type} Actual: {actual} "
                    f"IndexName: {index.name}"
                )
            payload = value[actual]
            if actual != "N" and not payload:
                if by_update:
                    raise validation(
                        "One or more parameter values are not valid. The update expression attempted to update a "
                        "secondary index key to a value that is not supported. The AttributeValue for a key "
                        "attribute cannot contain an empty string value."
                    )
                raise _empty_index_key(index, attr)
            _check_value(attr, payload, i == 0)


def complete_key(schema: KeySchema, item: Item) -> Item | None:
    """The key attributes of ``item`` (a whole item or a ``Key``), if it has every one of
    them with the schema's type; None otherwise (the item is not addressable yet)."""
    key = {}
    for attr in schema.attributes:
        value = item.get(attr.name)
        if value is None or type_of(value) != attr.type:
            return None
        key[attr.name] = value
    return key


def item_identity(table: TableDef, key: Item) -> tuple[str, bytes]:
    """What makes two requests address the same item: the table (however it was named)
    and the key's canonical bytes (so numbers compare by value)."""
    return table.table_id, table.key_schema.primary_key(key)


def check_no_empty_keys(table: TableDef, item: Item, *, index_keys: bool) -> None:
    """Refuse empty string or binary key values (of ``item``, a whole item or a ``Key``).

    Transactions check this for the whole request before looking at any action's data.
    """
    for attr in table.key_schema.attributes:
        if _is_empty(attr, item.get(attr.name)):
            raise _empty_key(attr)
    if index_keys:
        for index in sorted(table.indexes, key=lambda ix: ix.name):
            for attr in index.key_schema.attributes:
                if attr.name not in table.key_schema.names and _is_empty(attr, item.get(attr.name)):
                    raise _empty_index_key(index, attr)


def index_keys_acceptable(table: TableDef, index: IndexDef, item: Item) -> bool:
    """Whether a backfill indexes an existing item (wrong types and oversized keys are skipped)."""
    for i, attr in enumerate(index.key_schema.attributes):
        value = item.get(attr.name)
        if value is None or attr.type not in value:
            return False
        payload = value[attr.type]
        if attr.type != "N":
            size = len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8"))
            if not payload or size > (MAX_HASH_KEY if i == 0 else MAX_RANGE_KEY):
                return False
    return True
