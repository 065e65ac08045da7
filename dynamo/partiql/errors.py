"""PartiQL's error texts, in one place (reference 15).

Texts marked *unconfirmed* are plausible choices where no capture of DynamoDB's wording
exists; the rest are quoted from the reference.
"""

from __future__ import annotations

from typing import Final

from dynamo.errors import DynamoError, validation

MALFORMED: Final = "Statement wasn't well formed, can't be processed: "
PARAMETER_COUNT: Final = "Number of parameters in request and statement don't match."
KEY_EQUALITY: Final = "Where clause does not contain a mandatory equality on all key attributes"
ON_INDEX: Final = "This operation is not supported on an index"
EXISTS_ONLY_IN_TRANSACTION: Final = "EXISTS can only be used in ExecuteTransaction write requests."
DUPLICATE_ITEM: Final = "Duplicate primary key exists in table"
MISSING_COMPARISON: Final = "MISSING must be compared using IS operator"
STAR_WITH_OTHERS: Final = "Other attributes should not be present in the projection when '*' is used."
ALIASING: Final = "Aliasing is not supported"
FROM_COMPONENTS: Final = "A path may contain at most 2 components in the FROM clause"
ORDER_BY_NEEDS_WHERE: Final = "Must have WHERE clause in the statement when using ORDER BY clause."
MULTIPLE_INSERT: Final = (
    "Unsupported operation: Inserting multiple items in a single statement is not supported, "
    'use "INSERT INTO tableName VALUE item" instead'
)
INSERT_RETURNING: Final = "RETURNING is not supported in INSERT"
ONLY_SET_REMOVE: Final = "Only SET and REMOVE are supported in update expressions at this time"
DELETE_RETURNING: Final = "Only RETURNING ALL OLD * is allowed in DELETE statements."
GSI_CONSISTENT: Final = "Strongly consistent read is not supported on Global Secondary Indexes"
TABLE_NAME: Final = (
    "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'."
)
INVALID_TOKEN: Final = "Invalid NextToken"
TOKEN_MISMATCH: Final = "NextToken does not match request"
# unconfirmed
EMPTY_SET: Final = "Set literals cannot be empty"
ARITHMETIC_IN_WHERE: Final = "Unsupported operation: arithmetic is only supported in the SET clause of UPDATE"
ORDER_BY_SCAN: Final = (
    "ORDER BY requires the WHERE clause to select partitions with an equality on the partition key"
)


def malformed(detail: str) -> DynamoError:
    """A statement the grammar rejects."""
    return validation(MALFORMED + detail)


def unsupported(message: str) -> DynamoError:
    """A statement the grammar accepts but DynamoDB does not implement (bare message)."""
    return validation(message)


def duplicate_item() -> DynamoError:
    return DynamoError("DuplicateItemException", DUPLICATE_ITEM)
