"""Request members shared by many operations, declared once.

Table names deserve their own shape: data-plane operations and most control-plane ones
accept a table ARN in ``TableName`` (1-1024 characters), while a plain name must match
``[a-zA-Z0-9_.-]+`` and be 3-255 characters long. DynamoDB reports the violated rules in
an order that differs by operation, so the order is a parameter.
"""

from __future__ import annotations

import re
from typing import Final

from dynamo.attributes import AttributeMapShape, AttributeValueShape
from dynamo.errors import DynamoError, validation
from dynamo.shapes import Boolean, Errors, List, Map, Member, String, Struct, java_length

NAME_PATTERN: Final = "[a-zA-Z0-9_.-]+"
_NAME: Final = re.compile(NAME_PATTERN)

RETURN_CONSUMED_CAPACITY: Final = ["INDEXES", "TOTAL", "NONE"]
RETURN_VALUES: Final = ["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"]
RETURN_ITEM_COLLECTION_METRICS: Final = ["SIZE", "NONE"]
RETURN_VALUES_ON_CONDITION_CHECK_FAILURE: Final = ["ALL_OLD", "NONE"]


class TableName(String):
    """A table name (or, where ``arn_ok``, a table ARN).

    ``rules`` lists the checks in the order DynamoDB reports them for this member:
    ``"min"`` (length >= ``min_len``), ``"pattern"``, ``"max"`` (length <= 255).
    ``pattern_if_empty`` False skips the pattern on an empty string (data-plane operations
    report only the length then).
    """

    def __init__(
        self,
        *,
        min_len: int,
        rules: tuple[str, ...] = ("min", "pattern", "max"),
        arn_ok: bool = True,
        pattern_if_empty: bool = True,
    ) -> None:
        super().__init__()
        self.min_len = min_len
        self.rules = rules
        self.arn_ok = arn_ok
        self.pattern_if_empty = pattern_if_empty

    def constrain(self, value: str, path: str, errors: Errors) -> None:
        if self.arn_ok and value.startswith("arn:"):
            if java_length(value) > 1024:
                errors.add(value, path, "Member must have length less than or equal to 1024")
            return
        min_len = self.min_len or 0
        for rule in self.rules:
            if rule == "min" and java_length(value) < min_len:
                errors.add(value, path, f"Member must have length greater than or equal to {min_len}")
            elif rule == "pattern" and (value or self.pattern_if_empty):
                if not _NAME.fullmatch(value):
                    errors.add(value, path, f"Member must satisfy regular expression pattern: {NAME_PATTERN}")
            elif rule == "max" and java_length(value) > 255:
                errors.add(value, path, "Member must have length less than or equal to 255")


def valid_table_name(value: str) -> bool:
    """A table name, or a table ARN, that passes every constraint on a ``TableName``."""
    if value.startswith("arn:"):
        return java_length(value) <= 1024
    return 3 <= java_length(value) <= 255 and _NAME.fullmatch(value) is not None


def data_table_name(*, nested: bool = False) -> Member:
    """``TableName`` of item operations: a name or ARN, 1-1024 characters.

    Inside a transaction's actions (``nested``) a missing name is a "must not be null"
    constraint violation rather than a missing top-level parameter.
    """
    shape = TableName(min_len=1, rules=("min", "pattern", "max"), pattern_if_empty=False)
    return Member(shape, not_null=True) if nested else Member(shape, required=True)


def control_table_name() -> Member:
    """``TableName`` of DescribeTable, DeleteTable, UpdateTable, ...: name or ARN."""
    return Member(TableName(min_len=3, rules=("min", "pattern", "max")), required=True)


def enum(values: list[str]) -> Member:
    return Member(String(enum=values))


def return_consumed_capacity() -> Member:
    return enum(RETURN_CONSUMED_CAPACITY)


def key_member() -> Member:
    return Member(AttributeMapShape(), required=True)


def split_table_arn(ctx_region: str, ctx_account: str, name: str) -> str:
    """The table name addressed by ``name``, which may be a table ARN of this account/region."""
    if not name.startswith("arn:"):
        return name
    parts = name.split(":", 5)
    if len(parts) != 6 or parts[2] != "dynamodb" or not parts[5].startswith("table/"):
        raise validation(f"Invalid TableArn: Invalid ResourceArn provided as input {name}")
    region, account, resource = parts[3], parts[4], parts[5]
    if region != ctx_region:
        raise validation(f"1 validation error detected: Invalid AWS region in '{name}'")
    if account != ctx_account:
        raise DynamoError("AccessDeniedException", "Access is denied")
    table = resource[len("table/") :]
    if "/" in table or not table:
        raise validation(f"Invalid TableArn: Invalid ResourceArn provided as input {name}")
    return table


def expression_names() -> Member:
    return Member(Map(String(), value_java="java.lang.String"))


def _wrap_value_error(key: str, error: DynamoError) -> DynamoError:
    return validation(
        f"ExpressionAttributeValues contains invalid value: {error.message} for key {key}",
        envelope=error.envelope,
    )


def expression_values() -> Member:
    """``ExpressionAttributeValues``: value-rule errors name the offending key."""
    return Member(AttributeMapShape(wrap=_wrap_value_error))


_MODEL = "com.amazonaws.dynamodb.v20120810."
COMPARISON_OPERATORS: Final = [
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
]


def expected() -> Member:
    """Legacy ``Expected``: attribute name -> ExpectedAttributeValue."""
    value = Struct(
        "ExpectedAttributeValue",
        {
            "Value": Member(AttributeValueShape()),
            "Exists": Member(Boolean()),
            "ComparisonOperator": enum(COMPARISON_OPERATORS),
            "AttributeValueList": Member(List(AttributeValueShape())),
        },
        value_struct=True,
    )
    return Member(Map(value, value_java=_MODEL + "ExpectedAttributeValue"))


def conditions() -> Member:
    """Legacy ``KeyConditions``/``QueryFilter``/``ScanFilter``: attribute name -> Condition."""
    value = Struct(
        "Condition",
        {
            "AttributeValueList": Member(List(AttributeValueShape())),
            "ComparisonOperator": Member(String(enum=COMPARISON_OPERATORS), not_null=True),
        },
        value_struct=True,
    )
    return Member(Map(value, value_java=_MODEL + "Condition"))


def attribute_updates() -> Member:
    """Legacy ``AttributeUpdates``: attribute name -> AttributeValueUpdate."""
    value = Struct(
        "AttributeValueUpdate",
        {"Value": Member(AttributeValueShape()), "Action": enum(["ADD", "PUT", "DELETE"])},
        value_struct=True,
    )
    return Member(Map(value, value_java=_MODEL + "AttributeValueUpdate"))


def single_write_members() -> dict[str, Member]:
    """Members PutItem, UpdateItem and DeleteItem share: conditions and what to return."""
    return {
        "Expected": expected(),
        "ConditionalOperator": enum(["OR", "AND"]),
        "ReturnValues": enum(RETURN_VALUES),
        "ReturnConsumedCapacity": return_consumed_capacity(),
        "ReturnItemCollectionMetrics": enum(RETURN_ITEM_COLLECTION_METRICS),
        "ConditionExpression": Member(String()),
        "ExpressionAttributeNames": expression_names(),
        "ExpressionAttributeValues": expression_values(),
        "ReturnValuesOnConditionCheckFailure": enum(RETURN_VALUES_ON_CONDITION_CHECK_FAILURE),
    }


def refuse_unsupported(request: dict[str, object], *members: str) -> None:
    """Members this version does not implement yet are refused, never silently ignored."""
    for member in members:
        if member in request:
            raise validation(f"{member} is not supported by this version of the engine")
