"""ImportTable: create a table and fill it from S3 objects in the background.

The request is checked here, the table definition exactly as CreateTable checks it; the
table is created CREATING and the objects are read by a job (:mod:`dynamo.imports`).
A retry with the same ClientToken gets the first import back unless it names another
table (DynamoDB compares only the table name).
"""

from __future__ import annotations

from typing import Any

from dynamo import imports
from dynamo.engine import Context
from dynamo.errors import DynamoError, resource_in_use, validation
from dynamo.idempotency import recall_token, remember_token
from dynamo.operations import Operation
from dynamo.operations import create_table as create
from dynamo.params import TableName
from dynamo.shapes import List, Member, Request, String, Struct

_DEFINITION = create.REQUEST.members
TABLE_CREATION_PARAMETERS = Struct(
    "TableCreationParameters",
    {
        "TableName": Member(TableName(min_len=3, arn_ok=False), not_null=True),
        "AttributeDefinitions": _DEFINITION["AttributeDefinitions"],
        "KeySchema": _DEFINITION["KeySchema"],
        "BillingMode": _DEFINITION["BillingMode"],
        "ProvisionedThroughput": _DEFINITION["ProvisionedThroughput"],
        "OnDemandThroughput": _DEFINITION["OnDemandThroughput"],
        "SSESpecification": _DEFINITION["SSESpecification"],
        "GlobalSecondaryIndexes": _DEFINITION["GlobalSecondaryIndexes"],
    },
)

REQUEST = Request(
    "ImportTableInput",
    {
        # Required on the wire (boto3 fills it in, as it does for every idempotency token).
        "ClientToken": Member(String(min_len=1, pattern=r"^[^\$]+$"), required=True),
        "S3BucketSource": Member(
            Struct(
                "S3BucketSource",
                {
                    "S3BucketOwner": Member(String(pattern="[0-9]{12}")),
                    "S3Bucket": Member(
                        String(max_len=255, pattern=r"^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$"), not_null=True
                    ),
                    "S3KeyPrefix": Member(String(max_len=1024)),
                },
            ),
            required=True,
        ),
        "InputFormat": Member(String(enum=["DYNAMODB_JSON", "ION", "CSV"]), required=True),
        "InputFormatOptions": Member(
            Struct(
                "InputFormatOptions",
                {
                    "Csv": Member(
                        Struct(
                            "CsvOptions",
                            {
                                "Delimiter": Member(String(min_len=1, max_len=1, pattern="[,;:|\t ]")),
                                "HeaderList": Member(
                                    List(
                                        String(
                                            min_len=1,
                                            max_len=65536,
                                            pattern=r"[\x20-\x21\x23-\x2B\x2D-\x7E]*",
                                        ),
                                        min_len=1,
                                        max_len=255,
                                    )
                                ),
                            },
                        )
                    )
                },
            )
        ),
        # DynamoDB lists this enum in this order in its message.
        "InputCompressionType": Member(String(enum=["ZSTD", "NONE", "GZIP"])),
        "TableCreationParameters": Member(TABLE_CREATION_PARAMETERS, required=True),
    },
)


def run(ctx: Context, req: dict[str, Any]) -> dict[str, Any]:
    input_format = req["InputFormat"]
    if "InputFormatOptions" in req and input_format != "CSV":
        raise validation(
            f"Invalid Request: Unsupported InputFormatOptions for the given input format: {input_format}."
        )
    table, _ = create.new_table(ctx, req["TableCreationParameters"])
    name, token, now = table.name, req["ClientToken"], ctx.clock()

    def start(view: Any) -> dict[str, Any]:
        existing = view.table(ctx.region, name)
        if existing is not None and "import" not in existing.meta:
            raise resource_in_use(f"Table already exists: {name}")
        earlier = recall_token(view, imports.TOKENS, ctx.region, token, now)
        if earlier is not None:
            if earlier["table"] != name:
                raise DynamoError(
                    "ImportConflictException",
                    "Import conflict: Duplicate request detected with conflicting parameters",
                )
            return {"ImportTableDescription": imports.description(imports.find(ctx, view, earlier["arn"]))}
        record = imports.begin(ctx, view, table, req, now)
        value = {"arn": record["arn"], "table": name}
        remember_token(view, imports.TOKENS, ctx.region, token, value, imports.TOKEN_LIFETIME, now)
        return {"ImportTableDescription": imports.description(record)}

    return ctx.store.write(start)


OPERATION = Operation("ImportTable", REQUEST, run, writes=True)
