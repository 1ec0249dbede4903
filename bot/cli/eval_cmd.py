"""`citebot eval`: answer a questions file through the `ask` pipeline and print a scorecard."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.main import CollectionOpt, StoreOpt, fail, load_settings, user_errors

if TYPE_CHECKING:
    from bot.answer.answering import Answerer
    from bot.answer.models import Answer
    from bot.evaluation import EvalQuestion, Outcome, Scorecard

FRONTIER = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def register(app: typer.Typer) -> None:
    """Add `citebot eval` to the app."""
    app.command("eval")(evaluate)


def evaluate(
    questions: Annotated[Path, typer.Argument(help="Questions file (JSON Lines).")],
    out: Annotated[Path, typer.Option("--out", help="Write one JSON answer per line here.")],
    scorecard_json: Annotated[
        Path | None, typer.Option("--json", help="Also write the scorecard as JSON here.")
    ] = None,
    retrieval: Annotated[
        str | None,
        typer.Option("--retrieval", help="hybrid, dense or bm25 [env: CITEBOT_RETRIEVAL]."),
    ] = None,
    per_doc: Annotated[
        int | None, typer.Option("--per-doc", help="Max chunks per article (0: no limit).")
    ] = None,
    no_dates: Annotated[
        bool, typer.Option("--no-dates", help="Ignore publication dates when ranking.")
    ] = False,
    min_relevance: Annotated[
        float | None, typer.Option("--min-relevance", help="Refusal threshold override.")
    ] = None,
    frontier: Annotated[
        bool,
        typer.Option("--frontier", help="Refuse nothing; print refusal rates per threshold."),
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N.")] = None,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Answer every question in a file as `ask` would, then score what can be scored."""
    from bot.app import build_citebot
    from bot.evaluation import load_questions, score, score_by_style

    if retrieval is not None and retrieval not in {"hybrid", "dense", "bm25"}:
        fail(f"--retrieval must be hybrid, dense or bm25, not {retrieval!r}.")
    with user_errors():
        items = load_questions(questions)[:limit]
        settings = load_settings(
            store=store,
            collection=collection,
            retrieval=retrieval,
            per_doc=per_doc,
            date_ranking=False if no_dates else None,
            min_relevance=-1.0 if frontier else min_relevance,
            min_answerability=0.0 if frontier else None,
        )
        answerer = build_citebot(settings).answerer
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as handle:
                outcomes = _run(answerer, items, handle)
        except OSError as exc:
            fail(f"cannot write {out} ({exc.strerror or exc}).")
    card, styles = score(outcomes), score_by_style(outcomes)
    if card.answerable or card.null:
        print_scorecard(card, title=f"{questions.name} ({settings.retrieval}, {answerer.mode})")
        if styles:
            print_styles(styles)
    else:
        typer.echo(
            f"Answered {card.questions} question{'s' if card.questions != 1 else ''} into {out}; "
            "nothing to score (no answers or evidence in the file)."
        )
    if frontier:
        print_frontier(outcomes)
    if scorecard_json is not None:
        try:
            scorecard_json.parent.mkdir(parents=True, exist_ok=True)
            data = card.to_dict()
            if styles:
                data["by_style"] = {style: c.to_dict() for style, c in styles.items()}
            scorecard_json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {scorecard_json} ({exc.strerror or exc}).")


def _run(answerer: Answerer, items: list[EvalQuestion], handle: Any) -> list[Outcome]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from bot.cli.output import err

    outcomes = []
    with Progress(
        "[bold]Answering",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("questions", total=len(items))
        for item in items:
            answer = answerer.answer(asked(answerer, item), as_of=item.as_of)
            outcome = outcome_of(item, answer, answerer)
            record = {**answer.to_dict(), "id": item.id}
            if item.answerable or item.is_null:
                record["eval"] = outcome.flags()
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            outcomes.append(outcome)
            progress.advance(task)
    return outcomes


def asked(answerer: Answerer, item: EvalQuestion) -> str:
    """The question as the pipeline sees it: a follow-up resolved against its conversation,
    whose earlier questions are answered first, as they are in a Discord thread."""
    if not item.history:
        return item.question
    turns: list[tuple[str, str]] = []
    for turn in item.history:
        question = answerer.standalone(turn, turns, item.as_of)
        turns.append((turn, answerer.answer(question, as_of=item.as_of).text))
    return answerer.standalone(item.question, turns, item.as_of)


def outcome_of(item: EvalQuestion, answer: Answer, answerer: Answerer) -> Outcome:
    """Reduce an answer to what the scorecard needs, with the retriever's top-10 documents."""
    from bot.answer.retrieval import Query
    from bot.evaluation import Outcome

    documents = answerer.retriever.rank_documents(Query(item.question, item.as_of), 10)
    texts = {p.chunk_id: p.text for p in answer.retrieved}
    return Outcome(
        question=item,
        refused=answer.refused,
        answer=answer.text,
        documents=documents,
        cited_passages=[
            texts.get(chunk, c.quote) for c in answer.citations for chunk in (c.chunk_id, *c.also)
        ],
        cited_quotes=[c.quote for c in answer.citations],
        retrieve_ms=answer.timings_ms.get("retrieve", 0.0),
        total_ms=answer.timings_ms.get("total", 0.0),
        relevance=answer.answerability,
    )


def _fmt(value: float | None, *, ms: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} ms" if ms else f"{value:.3f}"


def print_scorecard(card: Scorecard, *, title: str) -> None:
    """Print the scorecard as a table."""
    from rich.table import Table

    from bot.cli.output import out

    table = Table(title=f"Scorecard: {title}", show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("over", justify="right")
    rows: list[tuple[str, str, str]] = [
        ("questions (answerable / null)", f"{card.answerable} / {card.null}", str(card.questions)),
        *[
            (f"document recall@{k}", _fmt(v), f"{card.answerable} answerable")
            for k, v in card.recall.items()
        ],
        ("MRR@10", _fmt(card.mrr), "answerable"),
        ("answer containment", _fmt(card.containment), "answerable"),
        ("citation precision (passages)", _fmt(card.citation_precision), "answered"),
        ("citation precision (quotes)", _fmt(card.quote_precision), "answered"),
        ("null refusal", _fmt(card.null_refusal), f"{card.null} null"),
        ("false refusal", _fmt(card.false_refusal), "answerable"),
        ("retrieve p50 / p95", _latency(card.retrieve_ms), "all"),
        ("total p50 / p95", _latency(card.total_ms), "all"),
    ]
    for row in rows:
        table.add_row(*row)
    out.print(table)


def print_styles(styles: dict[str, Scorecard]) -> None:
    """Print the answer and refusal numbers of each phrasing style."""
    from rich.table import Table

    from bot.cli.output import out

    table = Table(title="By style (meta.style)", header_style="bold")
    table.add_column("style")
    table.add_column("answerable / null", justify="right")
    for name in ("containment", "quote precision", "null refusal", "false refusal"):
        table.add_column(name, justify="right", min_width=min(len(name), 11))
    for style, card in styles.items():
        table.add_row(
            style,
            f"{card.answerable} / {card.null}",
            _fmt(card.containment),
            _fmt(card.quote_precision),
            _fmt(card.null_refusal),
            _fmt(card.false_refusal),
        )
    out.print(table)


def _latency(stats: dict[str, float | None]) -> str:
    return f"{_fmt(stats.get('p50'), ms=True)} / {_fmt(stats.get('p95'), ms=True)}"


def print_frontier(outcomes: list[Outcome]) -> None:
    """Print null refusal vs false refusal for a range of relevance thresholds."""
    from rich.table import Table

    from bot.cli.output import out
    from bot.evaluation import refusal_frontier

    table = Table(title="Refusal frontier (min_answerability)", header_style="bold")
    for name in ("threshold", "null refusal", "false refusal"):
        table.add_column(name, justify="right")
    for threshold, null_rate, false_rate in refusal_frontier(outcomes, FRONTIER):
        table.add_row(f"{threshold:.2f}", _fmt(null_rate), _fmt(false_rate))
    out.print(table)
