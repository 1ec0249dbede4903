"""Fit the answerability model on labelled questions, k-fold, and report held-out numbers.

Every question is retrieved once and its shortlisted candidate sentences keep their features
and a label (does the sentence hold a gold answer). Each fold fits the logistic weights and the
refusal threshold on the other folds and is scored on its own questions through the same
`score` and `choose` the answerer uses; the reported numbers are the fold averages. The model
that ships is then fitted on every question.

A conversation's earlier turns are answered by a model too, as users get them, and whether a
follow-up takes the conversation's topic depends on it (`Answerer.standalone` asks whether the
question alone finds an answer). So the fit is repeated with the conversations re-answered by the
model just fitted (`settle`), until the fit gives back the model that answered them or returns to
one it gave before; of such a cycle, the model with the best held-out gain ships. `citebot fit`
then writes the same file whichever model it started from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answer.answerability import (
    DECISION,
    FEATURES,
    Model,
    Question,
    prepare,
)
from bot.answer.answering import Answerer
from bot.answer.estimators import (
    FALSE_REFUSAL_COST,
    best_threshold,
    conditional_logit_fit,
    logistic_fit,
)
from bot.answer.extractive import Candidate, choose, compose, score, shortlist
from bot.evaluation import EvalQuestion, contains_answer

FOLDS = 5
ROUNDS = 4  # fits at most, each with the conversations answered by the model before it
TOPIC_MISS = 0.01  # the on-topic gate may wrongly refuse at most this share of answerable ones


@dataclass(slots=True)
class Case:
    """One labelled question with its shortlisted candidates."""

    item: EvalQuestion
    question: Question
    candidates: list[Candidate]
    labels: list[bool]
    topicality: float


@dataclass(frozen=True, slots=True)
class FoldScore:
    """Held-out numbers of one fold (or their average)."""

    containment: float
    quote_precision: float
    null_refusal: float
    false_refusal: float


def collect(
    answerer: Answerer,
    items: Sequence[EvalQuestion],
    ask: Callable[[Answerer, EvalQuestion], str],
) -> list[Case]:
    """Retrieve every labelled question once and keep its candidates with features and labels."""
    cases = []
    for item in items:
        if not (item.answerable or item.is_null):
            continue
        text = ask(answerer, item)
        passages = answerer.retrieve(text, item.as_of)
        question = prepare(text, answerer.retriever.rarity(), passages)
        top = shortlist(question, passages, answerer.embedder, answerer.vectors(text, passages))
        labels = [item.answerable and contains_answer(c.text, item.answers) for c in top]
        topical = answerer.topicality(text, passages)
        cases.append(Case(item, question, top, labels, topical))
    return cases


def fit(cases: Sequence[Case], *, max_sentences: int = 2) -> Model:
    """Ranking weights, decision weights and thresholds fitted on `cases`."""
    groups = [
        (np.asarray([c.features for c in case.candidates]), np.asarray(case.labels))
        for case in cases
        if case.candidates
    ]
    ranking = conditional_logit_fit(groups)
    ranker = Model(tuple(float(v) for v in ranking), (0.0,) * len(DECISION), 0.0, 0.0, 0.0)
    rows, labels, answerable, corrects = [], [], [], []
    for case in cases:
        ranked, _ = score([dataclasses.replace(c) for c in case.candidates], ranker)
        if not ranked:
            continue
        correct = _correct(case, ranked, max_sentences)
        rows.append(ranker.decision_row([c.score for c in ranked], ranked[0].features))
        labels.append(float(correct))
        answerable.append(case.item.answerable)
        corrects.append(correct)
    w = logistic_fit(np.asarray(rows), np.asarray(labels))
    model = Model(ranker.rank_weights, tuple(float(v) for v in w[:-1]), float(w[-1]), 0.0, 0.0)
    probabilities = [model.probability(row) for row in rows]
    threshold = best_threshold(probabilities, answerable, corrects)
    topical = sorted(case.topicality for case in cases if case.item.answerable)
    topic = topical[int(len(topical) * TOPIC_MISS)] if topical else 0.0
    return dataclasses.replace(model, threshold=threshold, topic_threshold=topic)


def _correct(case: Case, ranked: list[Candidate], max_sentences: int) -> bool:
    if not ranked or not case.item.answerable:
        return False
    picks = choose(case.question, ranked, max_sentences, 500)
    return contains_answer(compose(picks), case.item.answers)


def evaluate(cases: Sequence[Case], model: Model, *, max_sentences: int = 2) -> FoldScore:
    """Containment, quote precision and refusal rates of `model` on `cases`."""
    contained, precise, answered, nulls_refused, false_refused = 0, 0, 0, 0, 0
    answerable = [c for c in cases if c.item.answerable]
    nulls = [c for c in cases if c.item.is_null]
    for case in cases:
        ranked, best = score([_copy(c) for c in case.candidates], model)
        off_topic = case.topicality < model.topic_threshold
        refuse = off_topic or not ranked or best < model.threshold
        if case.item.is_null:
            nulls_refused += refuse
            continue
        if refuse:
            false_refused += 1
            continue
        picks = choose(case.question, ranked, max_sentences, 500)
        answered += 1
        contained += contains_answer(compose(picks), case.item.answers)
        precise += any(contains_answer(p.text, case.item.answers) for p in picks)  # as `eval`
    return FoldScore(
        containment=contained / max(len(answerable), 1),
        quote_precision=precise / max(answered, 1),
        null_refusal=nulls_refused / max(len(nulls), 1),
        false_refusal=false_refused / max(len(answerable), 1),
    )


def _copy(candidate: Candidate) -> Candidate:
    return dataclasses.replace(candidate)


def kfold(
    cases: Sequence[Case], folds: int = FOLDS, *, group: Callable[[Case], str] | None = None
) -> tuple[FoldScore, list[FoldScore], dict[str, FoldScore]]:
    """Fold-averaged held-out numbers, each fold's, and (with `group`) the fold averages of each
    group's questions alone (one per questions file, say); folds are fixed by each question's
    position by id."""
    ordered = sorted(cases, key=lambda c: c.item.id)
    scores: list[FoldScore] = []
    by_group: dict[str, list[FoldScore]] = {}
    for k in range(folds):
        test = [c for i, c in enumerate(ordered) if i % folds == k]
        train = [c for i, c in enumerate(ordered) if i % folds != k]
        model = fit(train)
        scores.append(evaluate(test, model))
        if group is None:
            continue
        for name in sorted({group(c) for c in test}):
            alone = [c for c in test if group(c) == name]
            by_group.setdefault(name, []).append(evaluate(alone, model))
    return _mean(scores), scores, {name: _mean(s) for name, s in by_group.items()}


def _rounded(score: FoldScore) -> dict[str, float]:
    return {f: round(getattr(score, f), 4) for f in FoldScore.__slots__}


def _mean(scores: Sequence[FoldScore]) -> FoldScore:
    return FoldScore(
        *(float(np.mean([getattr(s, f) for s in scores])) for f in FoldScore.__slots__)
    )


def shipped(
    cases: Sequence[Case],
    averaged: FoldScore,
    sources: list[str],
    by_source: dict[str, FoldScore],
) -> Model:
    """The model fitted on every case, with its provenance and fold-averaged numbers (overall
    and per questions file)."""
    model = fit(cases)
    meta: dict[str, object] = {
        "fitted": dt.date.today().isoformat(),
        "questions": len(cases),
        "sources": sources,
        "features": list(FEATURES),
        "kfold": _rounded(averaged),
        "kfold_by_source": {name: _rounded(score) for name, score in by_source.items()},
    }
    return dataclasses.replace(model, meta=meta)


@dataclass(frozen=True, slots=True)
class Fitted:
    """A shipped model with its held-out numbers, and the round of `settle` that fitted it."""

    model: Model
    averaged: FoldScore
    per_fold: list[FoldScore]
    by_source: dict[str, FoldScore]
    gain: float  # held-out right answers and right refusals, less wrong refusals, per question
    round: int


def settle(
    cases_for: Callable[[Model], list[Case]],
    start: Model,
    sources: list[str],
    group: Callable[[Case], str],
    folds: int = FOLDS,
    rounds: int = ROUNDS,
) -> Fitted:
    """The model to ship, fitted on the cases `cases_for(m)` gives when model `m` answers the
    conversations' earlier turns: first `start`'s, then each fit's own, until a fit gives back
    the model that answered them (it is consistent) or one fitted before (of that cycle, the one
    with the best held-out gain). After `rounds` fits (at least one), the best of them."""
    answering, tried = start, list[Fitted]()
    rounds = max(rounds, 1)
    for number in range(1, rounds + 1):
        cases = cases_for(answering)
        averaged, per_fold, by_source = kfold(cases, folds, group=group)
        model = shipped(cases, averaged, sources, by_source)
        fitted = Fitted(model, averaged, per_fold, by_source, _gain(cases, averaged), number)
        if _same(model, answering):
            return fitted
        earlier = next((i for i, f in enumerate(tried) if _same(f.model, model)), None)
        if earlier is not None:
            return _best(tried[earlier:])
        tried.append(fitted)
        answering = model
    return _best(tried)


def _best(fits: Sequence[Fitted]) -> Fitted:
    """The fit with the best held-out gain; of equals, the one that refuses more (the higher
    threshold), then the larger weights: the same one in whatever order they were fitted."""
    return max(
        fits, key=lambda f: (f.gain, f.model.threshold, f.model.rank_weights, f.model.weights)
    )


def _gain(cases: Sequence[Case], score: FoldScore) -> float:
    """The threshold's objective (`estimators.best_threshold`) on held-out rates, per question."""
    answerable = sum(c.item.answerable for c in cases)
    nulls = sum(c.item.is_null for c in cases)
    got = answerable * (score.containment - FALSE_REFUSAL_COST * score.false_refusal)
    return (got + nulls * score.null_refusal) / max(answerable + nulls, 1)


def _same(a: Model, b: Model) -> bool:
    """Whether two models answer alike: the same weights and thresholds."""
    return (a.rank_weights, a.weights, a.bias, a.threshold, a.topic_threshold) == (
        b.rank_weights,
        b.weights,
        b.bias,
        b.threshold,
        b.topic_threshold,
    )
