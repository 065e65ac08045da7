"""``dynamo export`` and ``dynamo import``: S3-style exports and imports of a data
directory, to and from plain local folders, with a progress bar.

A folder stands for an S3 bucket: ``--to ./out`` is bucket ``out`` in the S3 folder
``.``, so an export lands in ``./out/AWSDynamoDB/<export id>/`` exactly as DynamoDB lays
it out in a bucket. Both commands make the calls a boto3 user would
(ExportTableToPointInTime, ImportTable), then follow the background job, printing
items/s and an ETA, and print the final description as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Any, Final

import botocore.exceptions

from dynamo.cli_backups import json_default, parse_time

FORMATS: Final = {"json": "DYNAMODB_JSON", "ion": "ION", "csv": "CSV"}
_BUCKET: Final = re.compile(r"[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+")
_KEY: Final = re.compile(r"(?P<name>.+):(?P<type>[SNB])")


def add_commands(commands: Any) -> None:
    export = _with_dir(
        commands.add_parser("export", help="export a table to a local folder, as DynamoDB to S3")
    )
    export.add_argument("table", help="table to export (point-in-time recovery must be on, as in DynamoDB)")
    export.add_argument("--to", required=True, metavar="DIR", help="folder to write into (a 'bucket')")
    export.add_argument("--format", choices=["json", "ion"], default="json")
    export.add_argument("--at", metavar="TIME", help="ISO 8601 time or epoch seconds (default: now)")

    load = _with_dir(commands.add_parser("import", help="create a table from files, as ImportTable from S3"))
    load.add_argument(
        "source", metavar="DIR", help="folder (or one file) to import; an export folder works too"
    )
    load.add_argument("--table", required=True, help="name of the new table")
    load.add_argument("--format", choices=list(FORMATS), required=True)
    load.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="NAME:TYPE",
        help="partition key, then optionally sort key (TYPE is S, N or B), e.g. --key pk:S --key sk:N",
    )
    load.add_argument(
        "--compression", choices=["gzip", "zstd", "none"], help="default: from the file names (.gz, .zst)"
    )
    load.add_argument("--delimiter", help="CSV delimiter (default ,)")
    load.add_argument(
        "--header", help="CSV column names, comma-separated, when the files have no header line"
    )


def _with_dir(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--data-dir", default="./dynamo-data", help="LMDB data directory (default ./dynamo-data)"
    )
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _as_bucket(folder: str) -> tuple[str, str]:
    """(S3 folder, bucket) for a local folder used as a bucket."""
    path = os.path.abspath(folder)
    bucket = os.path.basename(path)
    if not _BUCKET.fullmatch(bucket) or len(bucket) > 255:
        raise SystemExit(
            f"{folder}: the folder name must be a valid S3 bucket name (letters, digits, '.', '-', '_')"
        )
    return os.path.dirname(path), bucket


def _source(path: str) -> tuple[str, str, str]:
    """(S3 folder, bucket, key prefix) of what to import: a folder, an export, or a file."""
    if not os.path.exists(path):
        raise SystemExit(f"{path}: no such file or folder")
    if os.path.isfile(path):
        s3_dir, bucket = _as_bucket(os.path.dirname(os.path.abspath(path)) or ".")
        return s3_dir, bucket, os.path.basename(path)
    s3_dir, bucket = _as_bucket(path)
    # An export's own folder (AWSDynamoDB/<export id>): import its data files only.
    if os.path.isfile(os.path.join(path, "manifest-summary.json")):
        return s3_dir, bucket, "data/"
    # The folder an export was written to (``dynamo export --to``): its newest export.
    root = os.path.join(path, "AWSDynamoDB")
    exports = sorted(
        name
        for name in (os.listdir(root) if os.path.isdir(root) else [])
        if os.path.isfile(os.path.join(root, name, "manifest-summary.json"))
    )
    if exports:
        return s3_dir, bucket, f"AWSDynamoDB/{exports[-1]}/data/"
    return s3_dir, bucket, ""


def _compression(args: argparse.Namespace, folder: str, prefix: str) -> str:
    """As asked, or guessed from the name of the first file to import."""
    if args.compression:
        return str(args.compression).upper()
    names = sorted(
        os.path.relpath(os.path.join(where, name), folder).replace(os.sep, "/")
        for where, _, files in os.walk(folder)
        for name in files
    )
    first = next((name for name in names if name.startswith(prefix)), "")
    return "GZIP" if first.endswith(".gz") else "ZSTD" if first.endswith(".zst") else "NONE"


def _table_parameters(args: argparse.Namespace) -> dict[str, Any]:
    if len(args.key) > 2:
        raise SystemExit("--key: give a partition key and at most one sort key")
    keys = []
    for text in args.key:
        found = _KEY.fullmatch(text)
        if found is None:
            raise SystemExit(f"--key: expected NAME:TYPE with TYPE S, N or B, got {text!r}")
        keys.append((found["name"], found["type"]))
    return {
        "TableName": args.table,
        "KeySchema": [
            {"AttributeName": name, "KeyType": kind}
            for (name, _), kind in zip(keys, ("HASH", "RANGE"), strict=False)
        ],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": kind} for name, kind in keys],
        "BillingMode": "PAY_PER_REQUEST",
    }


def _export(client: Any, args: argparse.Namespace, bucket: str) -> tuple[dict[str, Any], str]:
    table_arn = client.describe_table(TableName=args.table)["Table"]["TableArn"]
    when = {"ExportTime": parse_time(args.at, "--at")} if args.at else {}
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, ExportFormat=FORMATS[args.format], **when
    )["ExportDescription"]
    arn = started["ExportArn"]
    done = _follow(
        client, arn, args.quiet, lambda: client.describe_export(ExportArn=arn)["ExportDescription"]
    )
    return {"ExportDescription": done}, arn


def _import(
    client: Any, args: argparse.Namespace, bucket: str, prefix: str, folder: str
) -> tuple[dict[str, Any], str]:
    request: dict[str, Any] = {
        "S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": prefix},
        "InputFormat": FORMATS[args.format],
        "InputCompressionType": _compression(args, folder, prefix),
        "TableCreationParameters": _table_parameters(args),
    }
    csv: dict[str, Any] = {}
    if args.delimiter:
        csv["Delimiter"] = args.delimiter
    if args.header:
        csv["HeaderList"] = args.header.split(",")
    if csv:
        request["InputFormatOptions"] = {"Csv": csv}
    arn = client.import_table(**request)["ImportTableDescription"]["ImportArn"]
    done = _follow(
        client, arn, args.quiet, lambda: client.describe_import(ImportArn=arn)["ImportTableDescription"]
    )
    return {"ImportTableDescription": done}, arn


def _follow(client: Any, job_id: str, quiet: bool, describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Poll ``describe`` until the job is over, showing items done, items/s and an ETA
    (while this process runs the job; another process sharing the data directory may)."""
    jobs = client.engine.jobs
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(unit=" items", unit_scale=True, dynamic_ncols=True, file=sys.stderr)
    try:
        while True:
            found = describe()
            status = found.get("ExportStatus") or found.get("ImportStatus")
            if status != "IN_PROGRESS":
                break
            progress = jobs.progress.get(job_id)
            if bar is not None and progress is not None:
                if progress.total is not None:
                    bar.total = max(progress.total, progress.items)
                elif progress.fraction > 0:  # estimate the total from the share of input read
                    bar.total = max(int(progress.items / progress.fraction), progress.items)
                bar.update(progress.items - bar.n)
            jobs.wait(0.25)
        if bar is not None:
            final = found.get("ItemCount", found.get("ProcessedItemCount", bar.n))
            bar.total = final
            bar.update(final - bar.n)
        return found
    finally:
        if bar is not None:
            bar.close()


def run(args: argparse.Namespace) -> int:
    import dynamo

    if args.command == "export":
        s3_dir, bucket = _as_bucket(args.to)
        os.makedirs(os.path.join(s3_dir, bucket), exist_ok=True)
    else:
        s3_dir, bucket, prefix = _source(args.source)
    client: Any
    with dynamo.connect(args.data_dir, region=args.region, maintenance_interval=0, s3_dir=s3_dir) as client:
        try:
            if args.command == "export":
                result, _ = _export(client, args, bucket)
            else:
                result, arn = _import(client, args, bucket, prefix, os.path.join(s3_dir, bucket))
        except botocore.exceptions.ParamValidationError as exc:
            print(exc, file=sys.stderr)
            return 1
        except botocore.exceptions.ClientError as exc:
            error = exc.response["Error"]
            print(f"{error['Code']}: {error['Message']}", file=sys.stderr)
            if error["Code"] == "PointInTimeRecoveryUnavailableException":
                print(f"(turn it on with: dynamo pitr enable --table {args.table})", file=sys.stderr)
            return 1
        result.pop("ResponseMetadata", None)
        print(json.dumps(result, indent=2, default=json_default))
        if args.command == "import":
            status = result["ImportTableDescription"]["ImportStatus"]
            if result["ImportTableDescription"].get("ErrorCount"):
                from dynamo.imports import error_log_path

                print(f"error log: {error_log_path(client.engine, arn)}", file=sys.stderr)
            return 0 if status == "COMPLETED" else 1
        return 0 if result["ExportDescription"]["ExportStatus"] == "COMPLETED" else 1
