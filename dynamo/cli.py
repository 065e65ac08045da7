"""The ``dynamo`` command line (also ``python -m dynamo``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from dynamo import cli_backups, cli_transfer
from dynamo.cache import CacheSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dynamo", description="A DynamoDB-compatible database on LMDB.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the DynamoDB HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    where = serve.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir", default="./dynamo-data", help="LMDB data directory (default ./dynamo-data)"
    )
    where.add_argument("--in-memory", action="store_true", help="use a temporary directory deleted on exit")
    serve.add_argument(
        "--durability",
        choices=["strict", "relaxed"],
        default="strict",
        help="strict: every acknowledged write survives power loss (default); "
        "relaxed: skip the meta-page fsync, a system crash may undo the last write",
    )
    serve.add_argument(
        "--table-create-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="time a new table stays CREATING",
    )
    serve.add_argument("--account-id", default="000000000000", help="12-digit account id used in ARNs")
    serve.add_argument(
        "--max-databases",
        type=int,
        default=1024,
        metavar="N",
        help="tables plus indexes the data directory can hold (LMDB max_dbs; each costs ~1 ns per read)",
    )
    serve.add_argument(
        "--ttl-interval",
        "--maintenance-interval",
        dest="ttl_interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between background rounds of TTL deletion and stream trimming (0: never)",
    )
    serve.add_argument(
        "--ttl-change-interval",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="refuse a second UpdateTimeToLive on a table within this time (DynamoDB: about 3600; default 0)",
    )
    serve.add_argument(
        "--stream-rollover",
        type=float,
        default=4 * 3600.0,
        metavar="SECONDS",
        help="age at which a stream's open shard is closed and a child shard opened (default 4 h)",
    )
    serve.add_argument(
        "--backup-dir", default=None, metavar="PATH", help="where backups go (default: DATA_DIR/backups)"
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serve with N processes over the same data directory (default 1; not with --dax-port)",
    )
    serve.add_argument(
        "--s3-dir",
        default=None,
        metavar="PATH",
        help="folder whose subfolders are the S3 buckets of exports and imports (default: DATA_DIR/s3)",
    )
    serve.add_argument(
        "--s3-endpoint",
        default=None,
        metavar="URL",
        help="use a real S3-compatible server for exports and imports instead (e.g. http://127.0.0.1:9000)",
    )
    cache = serve.add_argument_group("cache endpoint (a DAX-like read-through cache on a second port)")
    cache.add_argument(
        "--dax-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve the cached endpoint on this port (e.g. 8111)",
    )
    cache.add_argument(
        "--cache-mode",
        choices=["dax", "coherent"],
        default=None,
        help="dax: DAX's semantics, writes through the main port are seen after the TTL (default); "
        "coherent: every commit of this server invalidates what it changed, never stale",
    )
    cache.add_argument(
        "--cache-item-ttl",
        type=float,
        default=None,
        metavar="SECONDS",
        help="item cache time to live (default 300; 0: items never time out)",
    )
    cache.add_argument(
        "--cache-query-ttl",
        type=float,
        default=None,
        metavar="SECONDS",
        help="query cache time to live (default 300; 0: Query/Scan are not cached)",
    )
    cache.add_argument(
        "--cache-item-mb", type=float, default=None, metavar="MB", help="item cache bound (default 64)"
    )
    cache.add_argument(
        "--cache-query-mb", type=float, default=None, metavar="MB", help="query cache bound (default 64)"
    )
    cli_backups.add_commands(commands)
    cli_transfer.add_commands(commands)
    return parser


def _cache_settings(args: argparse.Namespace) -> CacheSettings:
    """The cache port's settings; --cache-* options without --dax-port are a mistake."""
    given = {
        "mode": args.cache_mode,
        "item_ttl": args.cache_item_ttl,
        "query_ttl": args.cache_query_ttl,
        "item_bytes": None if args.cache_item_mb is None else int(args.cache_item_mb * 1024 * 1024),
        "query_bytes": None if args.cache_query_mb is None else int(args.cache_query_mb * 1024 * 1024),
    }
    given = {name: value for name, value in given.items() if value is not None}
    if given and args.dax_port is None:
        _parser().error("the --cache-* options configure the cache port: give --dax-port too")
    try:
        return CacheSettings(**given)
    except ValueError as exc:
        _parser().error(str(exc))


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command in ("backup", "pitr"):
        raise SystemExit(cli_backups.run(args))
    if args.command in ("export", "import"):
        raise SystemExit(cli_transfer.run(args))
    if args.command == "serve":
        from dynamo.engine import Settings
        from dynamo.server import serve

        cache = _cache_settings(args)
        if args.workers < 1:
            _parser().error("--workers is a number of processes, 1 or more")
        if args.workers > 1 and args.dax_port is not None:
            _parser().error("--dax-port serves a cache of one process: it cannot be combined with --workers")
        serve(
            host=args.host,
            port=args.port,
            data_dir=None if args.in_memory else args.data_dir,
            in_memory=args.in_memory,
            durability=args.durability,
            log_level=args.log_level,
            dax_port=args.dax_port,
            cache=cache,
            workers=args.workers,
            settings=Settings(
                account_id=args.account_id,
                table_create_delay=args.table_create_delay,
                maintenance_interval=args.ttl_interval,
                ttl_change_interval=args.ttl_change_interval,
                stream_rollover=args.stream_rollover,
                backup_dir=args.backup_dir,
                s3_dir=args.s3_dir,
                s3_endpoint=args.s3_endpoint,
            ),
            max_dbs=args.max_databases,
        )
