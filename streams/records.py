"""Stream records: what a write contributes to its table's stream, and the wire form.

A record is kept compact: ``[event, time, keys, new image, old image, by service]``, with
only the images the stream's view type asks for (the view type is fixed for the life of a
stream, so this is decided once, at write time). The wire form is built when read.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from storage.values import Item, item_size, values_equal

INSERT: Final = "INSERT"
MODIFY: Final = "MODIFY"
REMOVE: Final = "REMOVE"
VIEW_TYPES: Final = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
# TTL deletions are made by the service, and say so in the record (GetRecords spells the
# members with capitals; the events Lambda receives spell them in lower camel case).
SERVICE_IDENTITY: Final = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
LAMBDA_SERVICE_IDENTITY: Final = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def items_equal(a: Item, b: Item) -> bool:
    """Whether two items hold the same attributes with equal values (sets unordered)."""
    return a.keys() == b.keys() and all(values_equal(value, b[name]) for name, value in a.items())


def event_name(old: Item | None, new: Item | None) -> str | None:
    """INSERT, MODIFY or REMOVE; None for a write that changed nothing (no record)."""
    if old is None:
        return None if new is None else INSERT
    if new is None:
        return REMOVE
    return None if items_equal(old, new) else MODIFY


def compact(
    view_type: str, event: str, keys: Item, old: Item | None, new: Item | None, now: float, by_service: bool
) -> list[Any]:
    """The stored form of one change."""
    new_image = new if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None
    old_image = old if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None
    return [event, now, keys, new_image, old_image, by_service]


def created(record: list[Any]) -> float:
    return float(record[1])


def size_of(record: list[Any]) -> int:
    """Bytes a record carries: its keys and images, measured as DynamoDB sizes items."""
    _, _, keys, new_image, old_image, _ = record
    size = item_size(keys)
    if new_image is not None:
        size += item_size(new_image)
    if old_image is not None:
        size += item_size(old_image)
    return size


def event_id(log_id: bytes, seq: int) -> str:
    """32 lowercase hex characters, stable for a record."""
    return hashlib.blake2b(log_id + seq.to_bytes(8, "big"), digest_size=16).hexdigest()


def render(
    record: list[Any], *, log_id: bytes, seq: int, sequence_number: str, region: str, view_type: str
) -> dict[str, Any]:
    """A record as GetRecords returns it."""
    event, when, keys, new_image, old_image, by_service = record
    body: dict[str, Any] = {"ApproximateCreationDateTime": float(int(when)), "Keys": keys}
    if new_image is not None:
        body["NewImage"] = new_image
    if old_image is not None:
        body["OldImage"] = old_image
    body["SequenceNumber"] = sequence_number
    body["SizeBytes"] = size_of(record)
    body["StreamViewType"] = view_type
    out: dict[str, Any] = {
        "eventID": event_id(log_id, seq),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": body,
    }
    if by_service:
        out["userIdentity"] = dict(SERVICE_IDENTITY)
    return out


def lambda_form(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as a Lambda function subscribed to the stream receives it."""
    out = {**record, "eventSourceARN": stream_arn}
    if "userIdentity" in out:
        out["userIdentity"] = dict(LAMBDA_SERVICE_IDENTITY)
    return out
