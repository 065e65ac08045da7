"""ExportTableToPointInTime: start writing a table, as it was at a moment, to S3.

The request is checked and recorded here (answering IN_PROGRESS at once, as DynamoDB
does); the files are written by a background job (:mod:`dynamo.exports`).
"""

from __future__ import annotations

import math
import uuid
from typing import Any, Final

from dynamo import backups, exports, pitr
from dynamo.engine import Context
from dynamo.errors import DynamoError, invalid_parameters, validation
from dynamo.fingerprint import fingerprint
from dynamo.idempotency import recall_token, remember_token
from dynamo.operations import Operation
from dynamo.params import refuse_unsupported, split_table_arn
from dynamo.shapes import Member, Request, String, Struct, Timestamp
from dynamo.tables import is_active
from storage.store import WriteView

FIFTEEN_MINUTES: Final = 15 * 60.0
DAY: Final = 24 * 3600.0

REQUEST = Request(
    "ExportTableToPointInTimeInput",
    {
        "TableArn": Member(String(min_len=1, max_len=1024), required=True),
        "ExportTime": Member(Timestamp()),
        "ClientToken": Member(String(pattern=r"^[^\$]+$")),
        "S3Bucket": Member(
            String(max_len=255, pattern=r"^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$"), required=True
        ),
        "S3BucketOwner": Member(String(pattern="[0-9]{12}")),
        # The model sets no minimum, but DynamoDB refuses an empty prefix.
        "S3Prefix": Member(String(min_len=1, max_len=1024)),
        "S3SseAlgorithm": Member(String(enum=["AES256", "KMS"])),
        "S3SseKmsKeyId": Member(String(min_len=1, max_len=2048)),
        "ExportFormat": Member(String(enum=["DYNAMODB_JSON", "ION"])),
        "ExportType": Member(String(enum=["FULL_EXPORT", "INCREMENTAL_EXPORT"])),
        "IncrementalExportSpecification": Member(
            Struct(
                "IncrementalExportSpecification",
                {
                    "ExportFromTime": Member(Timestamp()),
                    "ExportToTime": Member(Timestamp()),
                    "ExportViewType": Member(String(enum=["NEW_IMAGE", "NEW_AND_OLD_IMAGES"])),
                },
            )
        ),
        "FilterSpecification": Member(Struct("FilterSpecification", {"FilterExpression": Member(String())})),
    },
)


def _check_request(req: dict[str, Any]) -> None:
    """Rules of the request alone, before the table is looked at."""
    arn = req["TableArn"]
    if not arn.startswith("arn:"):
        raise invalid_parameters("tableArn is not a valid ARN")
    if "/index/" in arn:
        raise validation("Invalid Request: Table ARN is invalid.")
    if "S3SseKmsKeyId" in req and req.get("S3SseAlgorithm") != "KMS":
        raise validation("Invalid Request: KMS Key Id is not supported for this encryption type")
    if "FilterSpecification" in req and not req["FilterSpecification"]:
        raise validation("Invalid Request: Invalid FilterSpecification: The specification can not be empty")
    refuse_unsupported(req, "FilterSpecification")
    kind = req.get("ExportType")
    spec = req.get("IncrementalExportSpecification")
    if spec is not None and kind is None:
        raise validation(
            "Invalid Request: Export Type expected to be Incremental Export when incremental export specification is provided"
        )
    if spec is not None and kind == "FULL_EXPORT":
        raise validation(
            "Invalid Request: When Export Type is Full Export , Incremental Export Specification should not be provided"
        )
    if kind == "INCREMENTAL_EXPORT":
        if spec is None:
            raise validation(
                "Invalid Request: Incremental Export Specification expected when export type is set as Incremental Export"
            )
        if "ExportFromTime" not in spec:
            raise validation(
                "Invalid Request: ExportFromTime must be provided in IncrementalExportSpecification"
            )


def _check_incremental(spec: dict[str, Any], created: float, now: float) -> dict[str, Any]:
    start = spec["ExportFromTime"]
    end = spec.get("ExportToTime", math.floor(now))  # DynamoDB fills in whole seconds
    if start < created:
        raise DynamoError(
            "InvalidExportTimeException",
            f"Incremental export period from time cannot be less than the table creation time : {exports.iso(created)}",
        )
    if end > now:
        raise DynamoError(
            "InvalidExportTimeException",
            f"Incremental export period to time cannot be greater than the current time : {exports.iso(now)}",
        )
    if end - start < FIFTEEN_MINUTES:
        raise DynamoError(
            "InvalidExportTimeException",
            "Difference between export period from time and export period to time is less than 15 minutes",
        )
    if end - start > DAY:
        raise DynamoError(
            "InvalidExportTimeException",
            "Difference between export period from time and export period to time is more than 24 hours",
        )
    return {
        "ExportFromTime": start,
        "ExportToTime": end,
        "ExportViewType": spec.get("ExportViewType", "NEW_AND_OLD_IMAGES"),
    }


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    _check_request(req)
    now = ctx.clock()
    # boto3 always sends a token; a raw request without one gets a fresh one, as DynamoDB.
    given_token = req.get("ClientToken")
    token = given_token or str(uuid.uuid4())
    compared = fingerprint({k: v for k, v in req.items() if k != "ClientToken"})

    def start(view: WriteView) -> dict[str, Any]:
        if given_token is not None:
            earlier = recall_token(view, exports.TOKENS, ctx.region, token, now)
            if earlier is not None:
                if earlier["digest"] != compared:
                    raise DynamoError(
                        "ExportConflictException",
                        "Export conflict: Duplicate request detected with conflicting parameters",
                    )
                return {"ExportDescription": exports.description(exports.find(ctx, view, earlier["arn"]))}
        name = split_table_arn(ctx.region, ctx.account, req["TableArn"])
        table = view.table(ctx.region, name)
        if table is None or not is_active(ctx, table):
            raise DynamoError("TableNotFoundException", f"Table not found: {req['TableArn']}")
        if not pitr.enabled(table):
            if req.get("ExportType") == "INCREMENTAL_EXPORT":  # DynamoDB words it this way
                raise DynamoError(
                    "InvalidExportTimeException",
                    "Incremental export period from time cannot be less than the table creation time : "
                    + exports.iso(table.meta["created"]),
                )
            raise pitr.unavailable(table.name)
        export_time = pitr.moment(table, req.get("ExportTime", now), now)
        if export_time is None:
            raise DynamoError("InvalidExportTimeException", "Export Time is invalid")
        incremental = None
        if req.get("ExportType") == "INCREMENTAL_EXPORT":
            earliest, _ = pitr.window(table, now)
            incremental = _check_incremental(
                req["IncrementalExportSpecification"], max(table.meta["created"], earliest), now
            )
        arn = f"{ctx.table_arn(table.name)}/export/{backups.backup_id(now)}"
        record = {
            "arn": arn,
            "status": "IN_PROGRESS",
            "start": round(now, 3),
            "table_arn": ctx.table_arn(table.name),
            "table_id": table.table_id,
            "region": ctx.region,
            "table": table.name,
            "export_time": round(export_time, 3),
            "token": token,
            "bucket": req["S3Bucket"],
            "owner": req.get("S3BucketOwner"),
            "prefix": req.get("S3Prefix"),
            "sse": req.get("S3SseAlgorithm", "AES256"),
            "kms": req.get("S3SseKmsKeyId"),
            "format": req.get("ExportFormat", "DYNAMODB_JSON"),
            "type": req.get("ExportType", "FULL_EXPORT"),
            "type_given": "ExportType" in req,
            "incremental": incremental,
            "objects": ctx.engine.objects_location(),
        }
        view.put_record(exports.KIND, arn, record)
        view.put_record(exports.JOB, arn, {"arn": arn})
        if given_token is not None:
            value = {"arn": arn, "digest": compared}
            remember_token(view, exports.TOKENS, ctx.region, token, value, exports.TOKEN_LIFETIME, now)
        view.after_commit(ctx.engine.jobs.wake)
        return {"ExportDescription": exports.description(record)}

    return ctx.store.write(start)


OPERATION = Operation("ExportTableToPointInTime", REQUEST, run, writes=True)
