"""`citebot fit`: fit the answerability model on labelled question sets, k-fold."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.main import CollectionOpt, StoreOpt, fail, load_settings, user_errors


def register(app: typer.Typer) -> None:
    """Add `citebot fit` to the app."""
    app.command("fit")(fit_command)


def fit_command(
    questions: Annotated[list[Path], typer.Argument(help="Labelled questions files (JSON Lines).")],
    out: Annotated[Path, typer.Option("--out", help="Write the fitted model (JSON) here.")],
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.")] = 5,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Fit answerability weights and thresholds; print the held-out (fold-averaged) numbers."""
    from bot.answer.answerability import DECISION, PRIOR, Model, default_model
    from bot.answer.answering import Answerer
    from bot.app import build_citebot
    from bot.cli.eval_cmd import asked
    from bot.cli.output import out as console
    from bot.evaluation import load_questions
    from bot.fitting import Case, collect, settle

    if folds < 2:
        fail("--folds must be at least 2.")
    with user_errors():
        loaded = [(path.name, load_questions(path)) for path in questions]
        items = [item for _, file_items in loaded for item in file_items]
        source = {item.id: name for name, file_items in loaded for item in file_items}
        # A conversation's earlier turns are answered as users get them: by the shipped model
        # first (the prior when the features have changed since it was fitted), then by each
        # fit's own model (`bot.fitting.settle`). Only conversations need answering again.
        try:
            answering = default_model()
        except ValueError:
            answering = PRIOR
        settings = load_settings(store=store, collection=collection)
        answerer = build_citebot(settings, model=answering).answerer
        alone = {
            c.item.id: c for c in collect(answerer, [i for i in items if not i.history], asked)
        }
        talks = [item for item in items if item.history]

        def cases_for(model: Model) -> list[Case]:
            config = dataclasses.replace(answerer.config, model=model)
            talking = Answerer(
                retriever=answerer.retriever,
                embedder=answerer.embedder,
                config=config,
                llm=answerer.llm,
            )
            found = alone | {c.item.id: c for c in collect(talking, talks, asked)}
            return [found[item.id] for item in items if item.id in found]

        labelled = len(alone) + sum(item.answerable or item.is_null for item in talks)
        if labelled < folds:
            fail(f"only {labelled} labelled questions: too few for {folds} folds.")
        fitted = settle(
            cases_for, answering, [p.name for p in questions], lambda c: source[c.item.id], folds
        )
    if talks:
        first = "the shipped model" if answering is not PRIOR else "the prior (hand) weights"
        by = first if fitted.round == 1 else f"the model of fit {fitted.round - 1}"
        console.print(f"fit {fitted.round}: the conversations' earlier turns answered by {by}")
    model = fitted.model
    for number, fold in enumerate(fitted.per_fold, start=1):
        console.print(f"fold {number}: {_row(fold)}")
    console.print(f"[bold]held-out average[/bold]: {_row(fitted.averaged)}")
    for name, score in fitted.by_source.items():
        console.print(f"  {name}, its questions alone: {_row(score)}")
    console.print(f"decision weights: {dict(zip(DECISION, model.weights, strict=True))}")
    console.print(f"threshold {model.threshold:.3f}, topic threshold {model.topic_threshold:.3f}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out} ({exc.strerror or exc}).")


def _row(score: object) -> str:
    names = ("containment", "quote_precision", "null_refusal", "false_refusal")
    return ", ".join(f"{n} {getattr(score, n):.3f}" for n in names)
