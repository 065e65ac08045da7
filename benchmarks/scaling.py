"""Scaling: GetItem and Query latency as the table grows, and the server's memory.

A table of 1 KB items (100 per partition) is grown to each size in turn (10 thousand,
100 thousand, 1 million, and 5 million when the disk has room for it three times over;
``--quick``: 10 and 50 thousand) and, at each size, measured
embedded: GetItem of random keys, and a Query page of 100 items of a random partition.
Cost should follow the result, not the table: the curves stay flat. At the largest size
``dynamo serve`` is started on the data directory and its resident memory read after it
has served reads across the whole table: LMDB's pages belong to the OS page cache, not to
the server's heap.

Targets (issue 10): flat curves; RSS after loading 1 million items under 200 MiB.

    python -m benchmarks.scaling [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, HttpCaller, arguments, environment, peak_rss_mb, pk_sk_table, save, timed

TABLE = "scaling"
PER_PARTITION = 100
SCHEMA = pk_sk_table(TABLE)
#: Bytes of data directory per item (the 1-million-item directory is about 1.2 GB), so the
#: 5-million point runs only with three times what it needs free.
BYTES_PER_ITEM = 1_300
LARGEST = 5_000_000


def key(i: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{i // PER_PARTITION:07d}"}, "sk": {"N": str(i % PER_PARTITION)}}


def item(i: int) -> dict[str, Any]:
    out = key(i)
    for f in range(10):
        out[f"f{f}"] = {"S": (f"{i}:{f}:" * 20)[:90]}
    return out


def grow(client: Any, start: int, end: int) -> None:
    for first in range(start, end, 25):
        batch = [{"PutRequest": {"Item": item(i)}} for i in range(first, min(end, first + 25))]
        client.batch_write_item(RequestItems={TABLE: batch})


def measure(client: Any, size: int, repeat: int) -> dict[str, Any]:
    rng = random.Random(size)

    def get() -> int:
        client.get_item(TableName=TABLE, Key=key(rng.randrange(size)))
        return 1

    def page() -> int:
        partition = rng.randrange(size // PER_PARTITION)
        found = client.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": f"p{partition:07d}"}},
        )
        return int(found["Count"])

    return {"size": size, "GetItem": timed(get, repeat), "Query100": timed(page, max(100, repeat // 20))}


def server_rss(path: str, size: int) -> dict[str, float]:
    """MiB resident in ``dynamo serve`` after it has read across the whole directory: all
    of it (VmRSS), its own memory (RssAnon) and mapped LMDB file pages (RssFile)."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import running_server

    with running_server("--data-dir", path, "--ttl-interval", "0") as (url, process):
        caller = HttpCaller(url)
        rng = random.Random(7)
        for _ in range(2000):
            caller("GetItem", {"TableName": TABLE, "Key": key(rng.randrange(size))})
        caller("Scan", {"TableName": TABLE, "Limit": 1000, "Select": "COUNT"})
        caller.close()
        with open(f"/proc/{process.pid}/status") as status:
            fields = {
                line.split(":")[0]: int(line.split()[1])
                for line in status
                if line.startswith(("VmRSS", "Rss"))
            }
    return {
        "total": fields["VmRSS"] / 1024,
        "anon": fields["RssAnon"] / 1024,
        "file": fields["RssFile"] / 1024,
    }


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    sizes = [row["size"] for row in rows]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for op, label in (("GetItem", "GetItem"), ("Query100", "Query, page of 100")):
        ax.plot(sizes, [row[op]["p50_us"] for row in rows], marker="o", label=f"{label} p50")
        ax.plot(sizes, [row[op]["p99_us"] for row in rows], marker="x", linestyle="--", label=f"{label} p99")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("items in the table")
    ax.set_ylabel("latency, µs (embedded)")
    ax.set_title("Latency against table size (flat is the goal)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    args = arguments(__doc__, "scaling").parse_args()
    sizes: tuple[int, ...] = (10_000, 50_000) if args.quick else (10_000, 100_000, 1_000_000)
    repeat = 2_000 if args.quick else 20_000
    import dynamo

    rows = []
    skipped = ""
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as path:
        if not args.quick:
            free = shutil.disk_usage(path).free
            if free > 3 * LARGEST * BYTES_PER_ITEM:
                sizes += (LARGEST,)
            else:
                skipped = f" The {LARGEST:,}-item point was skipped: {free / 2**30:.0f} GiB free on the disk."
        with dynamo.connect(path, durability="relaxed", maintenance_interval=0) as client:
            client.create_table(**SCHEMA)
            loaded = 0
            for size in sizes:
                grow(client, loaded, size)
                loaded = size
                rows.append(measure(client, size, repeat))
        rss = server_rss(path, sizes[-1])
    report = {**environment(), "rows": rows, "server_rss_mib": rss, "peak_rss_mb": peak_rss_mb()}
    lines = [
        "# Scaling: latency against table size",
        "",
        f"Run {report['when']} on {report['machine']}, Python {report['python']}; 1 KB items, 100 per "
        "partition; embedded, random keys and partitions at each size.",
        "",
        "| items | GetItem p50 µs | GetItem p99 µs | Query 100 p50 µs | Query 100 p99 µs |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['size']:,} | {row['GetItem']['p50_us']:.1f} | {row['GetItem']['p99_us']:.1f} | "
            f"{row['Query100']['p50_us']:.0f} | {row['Query100']['p99_us']:.0f} |"
        )
    first, last = rows[0], rows[-1]
    lines += [
        "",
        f"From {first['size']:,} to {last['size']:,} items, GetItem p50 went x"
        f"{last['GetItem']['p50_us'] / first['GetItem']['p50_us']:.2f} and the Query page p50 x"
        f"{last['Query100']['p50_us'] / first['Query100']['p50_us']:.2f}.{skipped}",
        "",
        f"`dynamo serve` on the {last['size']:,}-item directory, after serving reads across it: "
        f"**{rss['anon']:.0f} MiB** of its own memory (RssAnon), {rss['file']:.0f} MiB of mapped LMDB "
        f"pages (RssFile: the OS page cache, shared and reclaimable), {rss['total']:.0f} MiB RSS in all "
        "(target: under 200 MiB for 1 million items, LMDB pages not counted; the server's own memory "
        "does not grow with the table).",
        "",
        "![latency against size](scaling.png)",
        "",
        "Reproduce: `python -m benchmarks.scaling`.",
        "",
    ]
    save(args.out, "scaling", "\n".join(lines), report)
    if args.out:
        plot(rows, Path(args.out) / "scaling.png")


if __name__ == "__main__":
    main()
