"""`citebot eval-claims`: the claim-checker benchmark (precision and recall per kind)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.main import fail, user_errors

if TYPE_CHECKING:
    from bot.claim_eval import Row


def register(app: typer.Typer) -> None:
    """Add `citebot eval-claims` to the app."""
    app.command("eval-claims")(eval_claims)


def eval_claims(
    claims: Annotated[
        Path, typer.Argument(help="Benchmark file (JSON Lines), e.g. eval/claims.jsonl.")
    ] = Path("eval/claims.jsonl"),
    shared: Annotated[
        Path | None,
        typer.Option(
            "--shared", help="The RealTime QA folder (default ../shared/eval/realtimeqa)."
        ),
    ] = None,
    fit: Annotated[
        bool, typer.Option("--fit", help="Fit the paraphrase thresholds on the even rows.")
    ] = False,
    no_embedder: Annotated[
        bool, typer.Option("--no-embedder", help="Stems only, no embedding similarity.")
    ] = False,
) -> None:
    """Check every (claim, passage) pair as LLM answers are checked; print results per kind."""
    from bot.answer.support import Checker, Thresholds
    from bot.claim_eval import SHARED, doc_roots, fit_thresholds, load_rows, rejudge, run
    from bot.cli.output import err

    with user_errors():
        if not claims.is_file():
            fail(f"{claims} does not exist.")
        rows = load_rows(claims)
        roots = doc_roots(shared or SHARED)
        embedder = None
        if not no_embedder:
            from ingest.index.embeddings import LocalEmbedder

            embedder = LocalEmbedder()
        checker = Checker(embedder, Thresholds(2.0, 2.0, 9.0, 0.0) if fit else None)
        checker.exhaustive = fit
        results, skipped = run(rows, checker, roots)
    if skipped:
        err.print(
            f"Skipped {skipped} of {len(rows)} rows whose article is not here "
            f"(shared corpus at {roots['shared']})."
        )
    if not results:
        typer.echo("Nothing to score: no row's article could be read.")
        return
    if fit:
        thresholds = fit_thresholds([r for r in results if r.even])
        typer.echo(f"Fitted on the even rows: {thresholds}")
        results = rejudge(results, thresholds)
    print_table(results)


def print_table(results: list[Row]) -> None:
    """One table: per kind, the share judged right on even, odd and all rows."""
    from rich.table import Table

    from bot.claim_eval import precision_recall, score
    from bot.cli.output import out

    halves = {
        "even": [r for r in results if r.even],
        "odd": [r for r in results if not r.even],
        "all": results,
    }
    table = Table(
        title="Claim checker: faithful rows accepted, planted errors rejected",
        header_style="bold",
    )
    table.add_column("kind")
    for name in halves:
        table.add_column(f"{name} (n)", justify="right")
    by_half = {name: {k.kind: k for k in score(rows)} for name, rows in halves.items()}
    for kind in by_half["all"]:
        cells = []
        for name in halves:
            k = by_half[name].get(kind)
            cells.append(f"{k.rate:.3f} ({k.rows})" if k else "-")
        table.add_row(kind, *cells)
    pr = [precision_recall(rows) for rows in halves.values()]
    table.add_row("precision of supported", *[f"{p:.3f}" for p, _ in pr])
    table.add_row("recall of supported", *[f"{r:.3f}" for _, r in pr])
    out.print(table)
