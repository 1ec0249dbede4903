"""`citebot report` (what the articles don't cover) and `citebot stale` (answers gone stale)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.coverage import Coverage
    from bot.feedback import FeedbackStore
    from bot.settings import Settings

SINCE_HELP = "How far back: 7d, 24h, 2w, or a date (2026-11-01)."


def _feedback(settings: Settings) -> FeedbackStore:
    from bot.feedback import FeedbackStore, feedback_path

    path = feedback_path(settings)
    if not path.exists():
        typer.echo(f"No answers recorded yet ({path} does not exist).", err=True)
        raise typer.Exit(0)
    return FeedbackStore(path)


def report_command(
    since: Annotated[str, typer.Option("--since", help=SINCE_HELP)] = "7d",
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report as an HTML page here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Report refused questions, 👎 answers, top topics, answers per day and mode, slowest."""
    from bot.cli.main import fail, load_settings, user_errors
    from bot.coverage import build_coverage, parse_since

    with user_errors():
        settings = load_settings()
        now = dt.datetime.now(dt.UTC)
        try:
            start = parse_since(since, now=now)
        except ValueError:
            fail(f"--since must look like 7d, 24h, 2w or 2026-11-01, not {since!r}.")
        rows = _feedback(settings).answers_since(start)
        embed = None
        if rows:
            from ingest.index.embeddings import build_embedder

            embed = build_embedder(settings).embed
        report = build_coverage(rows, since=start, until=now, embed=embed)
        if html is not None:
            from bot.coverage_html import render_html

            try:
                html.parent.mkdir(parents=True, exist_ok=True)
                html.write_text(render_html(report), encoding="utf-8")
            except OSError as exc:
                fail(f"cannot write {html} ({exc.strerror or exc}).")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_report(report)
    if html is not None:
        typer.echo(f"Wrote {html}", err=as_json)


def print_report(report: Coverage) -> None:
    """The report as text."""
    echo = typer.echo
    modes = ", ".join(f"{k} {v}" for k, v in report.per_mode.items()) or "none"
    echo(f"{report.answers} answers from {report.since[:10]} to {report.until[:10]} ({modes})")
    echo(f"Votes: {report.votes['up']} 👍, {report.votes['down']} 👎")
    sections: list[tuple[str, list[str]]] = [
        ("Refused questions", [f"{r['created_at'][:10]}  {r['question']}" for r in report.refused]),
        ("👎 answers", [f"{r['created_at'][:10]}  {r['question']}" for r in report.downvoted]),
        ("Most-asked topics", [_topic_line(t.count, t.label, t.refused) for t in report.topics]),
        ("Answers per day", [f"{d}  {_counts(c)}" for d, c in report.per_day.items()]),
        (
            "Slowest answers",
            [f"{r['latency_ms'] / 1000:>6.2f} s  {r['question']}" for r in report.slowest[:10]],
        ),
    ]
    for title, lines in sections:
        echo(f"\n{title}")
        for line in lines or ["(none)"]:
            echo(f"  {line}")


def _topic_line(count: int, label: str, refused: int) -> str:
    return f"{count:>4}  {label}" + (f"  ({refused} refused)" if refused else "")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def stale_command(
    days: Annotated[
        int | None, typer.Option("--days", help="How far back [default: CITEBOT_STALE_DAYS].")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List answers whose cited sources changed or were removed since they were posted."""
    from bot.cli.main import load_settings, user_errors
    from bot.feedback import cited_doc_ids, stale_answers
    from ingest.index.store import open_store

    with user_errors():
        settings = load_settings()
        window = settings.stale_days if days is None else days
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=window)
        rows = [r for r in _feedback(settings).answers_since(since) if r["cited"]]
        records = open_store(settings).records(cited_doc_ids(rows))
        found = stale_answers(rows, {d: r.content_hash for d, r in records.items()})
    items: list[dict[str, Any]] = [
        {
            "id": row["id"],
            "created_at": row["created_at"],
            "question": row["question"],
            "channel_id": row["channel_id"],
            "message_id": row["message_id"],
            "flagged_at": row["stale_at"],
            "changed": [c.describe() for c in changed],
        }
        for row, changed in found
    ]
    if as_json:
        typer.echo(json.dumps({"days": window, "stale": items}, ensure_ascii=False))
        return
    typer.echo(f"{len(items)} answer(s) from the last {window} days cite a changed source.")
    for item in items:
        where = (
            f"channel {item['channel_id']} message {item['message_id']}"
            if item["message_id"]
            else "not posted"
        )
        flagged = f"flagged {item['flagged_at'][:10]}" if item["flagged_at"] else "not flagged yet"
        typer.echo(f"\n{item['created_at'][:10]}  {item['question']}\n  {where}; {flagged}")
        for change in item["changed"]:
            typer.echo(f"  {change}")


def register(app: typer.Typer) -> None:
    """Add `report` and `stale` to the citebot command."""
    app.command(name="report")(report_command)
    app.command(name="stale")(stale_command)
