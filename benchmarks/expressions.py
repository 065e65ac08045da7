"""Expression benchmark: parse (cold and cached), resolve, and compiled filter throughput.

Targets (issue 3): a cached parse + resolve of a typical 3-clause condition under 20 µs,
and a compiled filter evaluating at least 200,000 items/s on one core. The baseline in
the same run is a hand-written Python predicate for the same condition: the floor of
what any evaluator can do per item.

    python -m benchmarks.expressions [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from expressions import FILTER, UPDATE, Bindings, compile_condition, parse, resolve_condition, resolve_update
from expressions.ast import Condition, Update
from expressions.parser import _parse_cached

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

CONDITION = "#status = :active AND score BETWEEN :lo AND :hi AND begins_with(category, :prefix)"
NAMES = {"#status": "status"}
VALUES = {":active": {"S": "active"}, ":lo": {"N": "10"}, ":hi": {"N": "90"}, ":prefix": {"S": "book"}}
UPDATE_TEXT = "SET score = score + :one, tags = list_append(if_not_exists(tags, :empty), :new) REMOVE stale"
UPDATE_VALUES = {":one": {"N": "1"}, ":empty": {"L": []}, ":new": {"L": [{"S": "x"}]}}


def make_items(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    statuses, categories = ["active", "inactive"], ["books", "bookmarks", "games", "music"]
    return [
        {
            "pk": {"S": f"item{i}"},
            "status": {"S": rng.choice(statuses)},
            "score": {"N": str(rng.randrange(100))},
            "category": {"S": rng.choice(categories)},
            "payload": {"S": "x" * 50},
        }
        for i in range(count)
    ]


def per_call_us(fn: Callable[[], Any], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def run(quick: bool) -> dict[str, Any]:
    n = 2000 if quick else 20000

    def cold() -> None:
        _parse_cached.cache_clear()
        parse(FILTER, CONDITION)

    def cached_parse_resolve() -> Condition:
        ast = parse(FILTER, CONDITION)
        return resolve_condition(FILTER, ast, Bindings(NAMES, VALUES))  # type: ignore[arg-type]

    def cached_update() -> Update:
        ast = parse(UPDATE, UPDATE_TEXT)
        return resolve_update(ast, Bindings({}, UPDATE_VALUES))  # type: ignore[arg-type]

    def compile_only() -> Any:
        return compile_condition(resolved)

    resolved = cached_parse_resolve()
    predicate = compile_condition(resolved)
    items = make_items(20000 if quick else 200000)

    def baseline(item: dict[str, Any]) -> bool:
        status, score, category = item.get("status"), item.get("score"), item.get("category")
        return (
            status is not None
            and status.get("S") == "active"
            and score is not None
            and "N" in score
            and 10 <= int(score["N"]) <= 90
            and category is not None
            and category.get("S", "").startswith("book")
        )

    def throughput(fn: Callable[[dict[str, Any]], bool]) -> tuple[float, int]:
        best, matched = float("inf"), 0
        for _ in range(3):
            start = timeit.default_timer()
            matched = sum(1 for item in items if fn(item))
            best = min(best, timeit.default_timer() - start)
        return len(items) / best, matched

    filter_rate, filter_matched = throughput(predicate)
    baseline_rate, baseline_matched = throughput(baseline)
    assert filter_matched == baseline_matched, "the compiled filter and the baseline disagree"
    _parse_cached.cache_clear()
    return {
        "parse_cold_us": per_call_us(cold, n // 10),
        "parse_cached_us": per_call_us(lambda: parse(FILTER, CONDITION), n),
        "parse_resolve_cached_us": per_call_us(cached_parse_resolve, n),
        "compile_us": per_call_us(compile_only, n),
        "update_parse_resolve_cached_us": per_call_us(cached_update, n),
        "filter_items_per_s": filter_rate,
        "baseline_items_per_s": baseline_rate,
        "items": len(items),
        "matched": filter_matched,
    }


def render(report: dict[str, Any]) -> str:
    r = report["results"]
    return "\n".join(
        [
            "# Expression benchmark",
            "",
            f"Run {report['when']} on {report['machine']}, Python {report['python']}, one core.",
            f"Condition (FilterExpression): `{CONDITION}`",
            "",
            "| measure | value | target |",
            "| --- | ---: | --- |",
            f"| parse, cold (µs) | {r['parse_cold_us']:.1f} | |",
            f"| parse, cached (µs) | {r['parse_cached_us']:.2f} | |",
            f"| parse + resolve, cached (µs) | {r['parse_resolve_cached_us']:.2f} | < 20 |",
            f"| compile resolved condition to a closure (µs) | {r['compile_us']:.2f} | |",
            f"| UpdateExpression parse + resolve, cached (µs) | {r['update_parse_resolve_cached_us']:.2f} | |",
            f"| compiled filter (items/s) | {r['filter_items_per_s']:,.0f} | ≥ 200,000 |",
            f"| hand-written Python predicate, same condition (items/s) | {r['baseline_items_per_s']:,.0f} | baseline |",
            "",
            f"Filter/baseline cost ratio: {r['baseline_items_per_s'] / r['filter_items_per_s']:.2f}x "
            f"({r['items']:,} items, {r['matched']:,} matched).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--out", default=str(RESULTS), help="where to write expressions.md/json ('' = nowhere)"
    )
    args = parser.parse_args()
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}",
        "python": platform.python_version(),
        "results": run(args.quick),
    }
    text = render(report)
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "expressions.md").write_text(text)
        (out / "expressions.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
