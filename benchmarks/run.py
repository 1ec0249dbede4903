"""Run citebot's benchmarks: `python -m benchmarks.run [--only NAME] [--json OUT] [--million]`."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import Context, Result, Skip, machine

BENCHMARKS = (
    "embedding", "ingest", "reingest", "retrieval", "question", "concurrency", "memory", "language",
    "web", "claims", "sentences", "entity_typing",
)  # fmt: skip


def render(console: Console, result: Result) -> None:
    """Print one benchmark's table (or why it was skipped)."""
    if result.skipped:
        console.print(f"[bold]{result.title}[/]: skipped. {result.skipped}")
        return
    table = Table(title=f"{result.title} ({result.seconds:.0f} s)", title_justify="left")
    for column in ("metric", "value", "target", "met"):
        table.add_column(column, justify="right" if column != "metric" else "left")
    for row in result.rows:
        value = f"{row.value:,.4g}" if isinstance(row.value, float) else str(row.value)
        met = "" if row.met is None else ("yes" if row.met else "[red]NO[/]")
        table.add_row(row.metric, f"{value} {row.unit}".strip(), row.target, met)
    console.print(table)
    for note in result.notes:
        console.print(f"  [dim]{note}[/]")


def run_one(name: str, ctx: Context) -> Result:
    """Run the benchmark module `name`, turning a `Skip` into a skipped result."""
    module: Any = importlib.import_module(f"benchmarks.{name}")
    started = time.perf_counter()
    try:
        result: Result = module.run(ctx)
    except Skip as exc:
        result = Result(name=name, title=getattr(module, "TITLE", name), skipped=str(exc))
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the chosen benchmarks, print tables and optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--million", action="store_true", help="add the 1M-chunk retrieval step (slow)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console()
    ctx = Context(million=args.million)
    info = machine()
    console.print(
        f"[bold]citebot benchmarks[/] on {info['cores']} cores, {info['cpu']}, "
        f"{info['memory_gb']} GiB; load average {info['load_average']}; "
        f"onnxruntime {info['onnxruntime']}, chromadb {info['chromadb']}"
    )
    results = []
    for name in args.only or BENCHMARKS:
        result = run_one(name, ctx)
        render(console, result)
        results.append(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"machine": info, "results": [r.to_dict() for r in results]}
        args.json.write_text(json.dumps(payload, indent=2))
        console.print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
