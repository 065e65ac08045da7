"""ARNs of exports and imports, checked as DynamoDB checks them before looking one up."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from dynamo.errors import DynamoError, validation

if TYPE_CHECKING:
    from dynamo.engine import Context

#: What AWS accepts as a region in an ARN (``us-east-1``, ``ap-southeast-2``, ...).
REGION_NAME: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def job_arn_pattern(kind: str) -> re.Pattern[str]:
    """``arn:aws:dynamodb:<region>:<account>:table/<name>/<kind>/<id>``, parts captured."""
    return re.compile(
        r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):"
        rf"table/[a-zA-Z0-9_.-]{{3,255}}/{kind}/[^/]+"
    )


def in_this_region(ctx: Context, arn: str, pattern: re.Pattern[str], invalid: str) -> bool:
    """Whether an export or import ARN names this region (False: another one of this
    account). Not that shape: ValidationException ``invalid``; not a DynamoDB ARN of this
    account: AccessDeniedException."""
    found = pattern.fullmatch(arn)
    if found is None:
        raise validation(invalid)
    if (
        found["partition"] != "aws"
        or found["service"] != "dynamodb"
        or not REGION_NAME.fullmatch(found["region"])
        or found["account"] != ctx.account
    ):
        raise DynamoError("AccessDeniedException", "Access is denied")
    return found["region"] == ctx.region
