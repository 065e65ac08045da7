"""``dynamo backup ...`` and ``dynamo pitr ...``: backups and point-in-time restores of a
data directory from the command line, for people who never write code.

Each command opens the data directory as an embedded engine (safe beside a running
server: LMDB supports several processes), makes the same calls a boto3 user would, prints
the answer as JSON and, for restores, waits until the new table is ready.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

import botocore.exceptions


def add_commands(commands: Any) -> None:
    backup = commands.add_parser("backup", help="on-demand backups of a data directory")
    actions = backup.add_subparsers(dest="action", required=True)
    create = _with_dir(actions.add_parser("create", help="back up a table"))
    create.add_argument("--table", required=True)
    create.add_argument("--name", required=True, help="backup name (3-255 of [a-zA-Z0-9_.-])")
    listing = _with_dir(actions.add_parser("list", help="list backups"))
    listing.add_argument("--table")
    listing.add_argument("--type", default="USER", choices=["USER", "SYSTEM", "ALL"])
    restore = _with_dir(actions.add_parser("restore", help="restore a backup into a new table"))
    restore.add_argument("--backup-arn", required=True)
    restore.add_argument("--target", required=True, help="name of the new table")
    delete = _with_dir(actions.add_parser("delete", help="delete a backup"))
    delete.add_argument("--backup-arn", required=True)

    pitr = commands.add_parser("pitr", help="point-in-time recovery of a data directory")
    actions = pitr.add_subparsers(dest="action", required=True)
    for name, text in (
        ("enable", "turn PITR on for a table"),
        ("disable", "turn PITR off"),
        ("describe", "show the window"),
    ):
        command = _with_dir(actions.add_parser(name, help=text))
        command.add_argument("--table", required=True)
    restore = _with_dir(actions.add_parser("restore", help="restore a table as it was at a time"))
    restore.add_argument("--source", required=True, help="table to restore")
    restore.add_argument("--target", required=True, help="name of the new table")
    when = restore.add_mutually_exclusive_group(required=True)
    when.add_argument("--time", help="ISO 8601 time (e.g. 2026-11-28T10:00:00Z) or epoch seconds")
    when.add_argument("--latest", action="store_true", help="the latest restorable time")


def _with_dir(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--data-dir", default="./dynamo-data", help="LMDB data directory (default ./dynamo-data)"
    )
    parser.add_argument(
        "--backup-dir", default=None, help="where new backup files go (default DATA_DIR/backups)"
    )
    parser.add_argument("--region", default="us-east-1")
    return parser


def parse_time(text: str, option: str = "--time") -> float:
    """Epoch seconds, or an ISO 8601 time with its zone (``Z`` or an offset)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(
            f"{option}: not a time: {text!r} (use 2026-11-28T10:00:00Z or epoch seconds)"
        ) from None
    if when.tzinfo is None:
        raise SystemExit(f"{option}: give a zone (Z or +hh:mm): {text!r}")
    return when.timestamp()


def _call(args: argparse.Namespace, client: Any) -> Any:
    if args.command == "backup":
        if args.action == "create":
            return client.create_backup(TableName=args.table, BackupName=args.name)
        if args.action == "list":
            extra = {"TableName": args.table} if args.table else {}
            return client.list_backups(BackupType=args.type, **extra)
        if args.action == "delete":
            return client.delete_backup(BackupArn=args.backup_arn)
        return client.restore_table_from_backup(BackupArn=args.backup_arn, TargetTableName=args.target)
    if args.action in ("enable", "disable"):
        spec = {"PointInTimeRecoveryEnabled": args.action == "enable"}
        return client.update_continuous_backups(TableName=args.table, PointInTimeRecoverySpecification=spec)
    if args.action == "describe":
        return client.describe_continuous_backups(TableName=args.table)
    when = {"UseLatestRestorableTime": True} if args.latest else {"RestoreDateTime": parse_time(args.time)}
    return client.restore_table_to_point_in_time(
        SourceTableName=args.source, TargetTableName=args.target, **when
    )


def run(args: argparse.Namespace) -> int:
    import dynamo

    client: Any
    with dynamo.connect(
        args.data_dir, region=args.region, maintenance_interval=0, backup_dir=args.backup_dir
    ) as client:
        try:
            result = _call(args, client)
        except botocore.exceptions.ClientError as exc:
            error = exc.response["Error"]
            print(f"{error['Code']}: {error['Message']}", file=sys.stderr)
            return 1
        if args.action == "restore":
            client.engine.jobs.wait()
            result = client.describe_table(TableName=args.target)
        result.pop("ResponseMetadata", None)
        print(json.dumps(result, indent=2, default=json_default))
    return 0


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(type(value).__name__)
