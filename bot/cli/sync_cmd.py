"""`citebot sync`: ingest everything the sources file lists, once or every so often."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ingest.sources.sync import Outcome

SourcesOpt = Annotated[
    Path | None,
    typer.Option(
        "--sources", help="The sources file [default: ./citebot.toml].", show_default=False
    ),
]


def sync_command(
    sources: SourcesOpt = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every", help="Keep running: sync every INTERVAL (15m, 1h, 1h30m), with jitter."
        ),
    ] = None,
    rounds: Annotated[
        int | None,
        typer.Option("--rounds", min=1, help="With --every: stop after this many rounds."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per round.")
    ] = False,
) -> None:
    """Ingest every folder, URL, feed and sitemap in the sources file."""
    from bot.cli.main import EXIT_SKIPPED, fail, load_settings, user_errors
    from ingest.index.embeddings import build_embedder
    from ingest.index.snapshot import snapshot_hook
    from ingest.sources.config import DEFAULT_FILE, load_sources, parse_duration
    from ingest.sources.sync import run_every, sync_sources

    interval = 0.0
    if every is not None:
        try:
            interval = parse_duration(every)
        except ValueError as exc:
            fail(f"--every: {exc}.")
    with user_errors("Interrupted. Sources already synced are kept; run again to finish."):
        settings = load_settings()
        plan = load_sources(sources or DEFAULT_FILE, max_pages=settings.max_pages)
        embedder = build_embedder(settings)
        failed: list[bool] = []

        def one_round() -> None:
            outcomes = sync_sources(
                plan,
                settings=settings,
                embedder=embedder,
                after_write=snapshot_hook(settings),
                due_only=bool(interval),
            )
            print_outcomes(outcomes, as_json=as_json)
            failed[:] = [any(not o.ok or (o.summary and o.summary.skipped) for o in outcomes)]

        if interval:
            typer.echo(f"Syncing {len(plan)} sources every {every} (Ctrl+C stops).", err=True)
            run_every(interval, one_round, rounds=rounds)
        else:
            one_round()
    if failed and failed[0] and not interval:
        raise typer.Exit(EXIT_SKIPPED)


def print_outcomes(outcomes: list[Outcome], *, as_json: bool) -> None:
    """One line per source (or one JSON object for the round)."""
    if as_json:
        rows = [_row(o) for o in outcomes]
        typer.echo(json.dumps({"sources": rows}, ensure_ascii=False))
        return
    for outcome in outcomes:
        name = outcome.source.name
        summary = outcome.summary
        if not outcome.ok or summary is None:
            typer.echo(f"{name}: failed: {outcome.error}", err=True)
            continue
        typer.echo(
            f"{name}: {len(summary.added)} added, {len(summary.updated)} updated, "
            f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed"
        )
        for item in summary.skipped:
            typer.echo(f"  skipped {item.where}: {item.reason}", err=True)


def _row(outcome: Outcome) -> dict[str, Any]:
    row: dict[str, Any] = {"name": outcome.source.name, "target": outcome.source.target}
    row["ok"] = outcome.ok
    row["error"] = outcome.error
    if outcome.summary is not None:
        row.update(outcome.summary.to_dict()["counts"])
        row["skipped"] = [{"where": s.where, "reason": s.reason} for s in outcome.summary.skipped]
    return row


def source_status(settings: Any) -> list[dict[str, Any]]:
    """Each synced source's last success, last error and document count, for `citebot status`."""
    from dataclasses import asdict

    from ingest.sources.sync import SyncState, state_path

    state = SyncState.load(state_path(settings))
    return [{"name": name, **asdict(s)} for name, s in sorted(state.sources.items())]


def register(app: typer.Typer) -> None:
    """Add `sync` to the citebot command."""
    app.command(name="sync")(sync_command)
