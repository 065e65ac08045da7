"""Tag rules shared by CreateTable, TagResource and UntagResource."""

from __future__ import annotations

from typing import Any, Final

from dynamo.errors import DynamoError, invalid_parameters, resource_not_found, validation
from dynamo.shapes import List, Member, String, Struct

MAX_TAGS: Final = 50

#: The ``Tags`` member of CreateTable and TagResource.
TAG_LIST: Final = List(
    Struct(
        "Tag",
        {"Key": Member(String(), not_null=True), "Value": Member(String(), not_null=True)},
        value_struct=True,
    )
)
_SYMBOLS: Final = frozenset("_.:/=+-@")


def _allowed(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in _SYMBOLS for c in text)


def check_key(key: str | None) -> None:
    if key is None or not 1 <= len(key) <= 128 or not _allowed(key):
        raise validation(f"The Tag Key provided is invalid, Key: {key}")
    if key.lower().startswith("aws:"):
        raise validation(f"Tag Key cannot be prefixed with aws:, Key: {key}")


def check_tags(tags: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Validate a Tags list; return it as (key, value) pairs."""
    seen: set[str] = set()
    pairs = []
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value")
        check_key(key)
        if value is None or len(value) > 256 or not _allowed(value):
            raise validation(f"The Tag Value provided is invalid, Value: {value}")
        assert key is not None
        if key in seen:
            raise validation(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        seen.add(key)
        pairs.append((key, value))
    return pairs


def merge(existing: list[list[str]], new: list[tuple[str, str]]) -> list[list[str]]:
    """Upsert tags; reject the result if it holds more than 50."""
    merged = {key: value for key, value in existing}
    for key, value in new:
        merged[key] = value
    if len(merged) > MAX_TAGS:
        raise validation("Number of Tags exceed the current limit for the provided ResourceArn")
    return [[key, value] for key, value in merged.items()]


def resource_table(ctx_region: str, ctx_account: str, arn: str) -> str:
    """The table name a tagging ``ResourceArn`` addresses, with DynamoDB's ARN errors."""
    if not arn.startswith("arn:"):
        raise invalid_parameters(f"ARNs must start with 'arn:': {arn}")
    parts = arn.split(":", 5)
    invalid = validation(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    if len(parts) != 6 or parts[2] != "dynamodb":
        raise invalid
    region, account, resource = parts[3], parts[4], parts[5]
    if not resource.startswith("table/"):
        raise invalid_parameters(f"Provided Arn is not a DynamoDB resource arn: {arn}")
    pieces = resource.split("/")
    if len(pieces) > 2 and pieces[2] != "stream":
        raise invalid_parameters(
            f"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )
    if region != ctx_region or not pieces[1]:
        raise invalid
    if account != ctx_account:
        raise DynamoError("AccessDeniedException", "Access is denied")
    return pieces[1]


def arn_not_found(arn: str) -> DynamoError:
    return resource_not_found(f"Requested resource not found: ResourceArn: {arn} not found")
