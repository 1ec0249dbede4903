"""How likely a sentence is to answer a question: one calibrated score from general signals.

The signals hold for any article set, not one dataset:
- coverage: the share of the question's key terms (Snowball stems, weighted by rarity: the index's
  IDF blended with English background frequencies) that the sentence holds, and that its passage
  and title hold;
- missing: the weight of the most informative key term that the whole passage lacks (the article
  covers the story but not the asked detail);
- answer type: whether the sentence holds an answer of the asked kind (a person or organisation
  for "who", a place for "where", a date, an amount of money, a percentage, a count) that the
  question does not already contain;
- similarity: the local embedder's cosine between the question and the sentence (paraphrases);
- position: its passage's retrieval rank and whether it is the article's lede.

A logistic model combines them; its weights and the refusal thresholds are fitted on labelled
questions (`citebot eval --fit`) and shipped in `data/answerability.json` with the fold-averaged
numbers they were measured at.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.answer_types import answer_kind, offers
from ingest.index.language.tokens import KeyTerm, key_terms, terms

FEATURES = (
    "coverage",
    "passage_coverage",
    "missing",
    "answer_type",
    "similarity",
    "rank",
    "lede",
)
MODEL_PATH = Path(__file__).parent / "data" / "answerability.json"
Rarity = Callable[[str, str], float]  # (word, stem) -> 0..1


@dataclass(frozen=True, slots=True)
class Model:
    """Logistic weights over `FEATURES` and the thresholds the decision uses."""

    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the best sentence's probability reaches this
    topic_threshold: float  # LLM mode: ask the model when a passage is at least this on-topic
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(answers) for each row of `features` (columns in `FEATURES` order)."""
        z = features @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in `data/answerability.json`."""
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "topic_threshold": self.topic_threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        """Read a stored model; its features must be today's."""
        if tuple(data["features"]) != FEATURES:
            raise ValueError("the answerability model was fitted on other features")
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            topic_threshold=float(data["topic_threshold"]),
            meta=dict(data.get("meta", {})),
        )


# Before any fit: the hand weights the extractive answerer used, as a logistic model.
PRIOR = Model(
    weights=(4.0, 1.0, -2.0, 2.0, 2.0, 2.0, 1.0), bias=-4.0, threshold=0.3, topic_threshold=0.3
)


@cache
def default_model() -> Model:
    """The shipped, fitted model (the prior when none has been fitted yet)."""
    if not MODEL_PATH.is_file():
        return PRIOR
    return Model.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def answerability_model(threshold: float | None = None) -> Model:
    """The shipped model, with its answer threshold overridden when `threshold` is set."""
    model = default_model()
    if threshold is None:
        return model
    return Model(model.weights, model.bias, threshold, model.topic_threshold, model.meta)


@dataclass(frozen=True, slots=True)
class Question:
    """A question prepared once: key terms with weights, the kind of answer it wants."""

    text: str
    terms: tuple[KeyTerm, ...]
    weights: tuple[float, ...]
    kind: str

    @property
    def total(self) -> float:
        """Sum of the key terms' weights."""
        return sum(self.weights) or 1.0

    def coverage(self, stems: set[str] | frozenset[str]) -> float:
        """Weighted share of the key terms among `stems`."""
        got = sum(w for t, w in zip(self.terms, self.weights, strict=True) if t.stem in stems)
        return got / self.total

    def missing(self, stems: set[str] | frozenset[str]) -> float:
        """Weight of the most informative key term not among `stems` (0 when none is missing)."""
        absent = [w for t, w in zip(self.terms, self.weights, strict=True) if t.stem not in stems]
        return max(absent, default=0.0)


def prepare(question: str, rarity: Rarity | None) -> Question:
    """Key terms, their rarity weights and the asked kind of `question`."""
    found = tuple(key_terms(question))
    weigh = rarity or (lambda _w, _s: 1.0)
    return Question(
        question, found, tuple(weigh(t.word, t.stem) for t in found), answer_kind(question)
    )


def passage_stems(text: str, title: str) -> frozenset[str]:
    """The stems a passage offers, its title included."""
    return frozenset(terms(f"{title}\n{text}"))


def features_row(
    question: Question,
    sentence: str,
    sentence_stems: frozenset[str],
    passage: frozenset[str],
    *,
    rank: int,
    lede: bool,
    similarity: float,
) -> list[float]:
    """One sentence's features, in `FEATURES` order."""
    return [
        question.coverage(sentence_stems),
        question.coverage(passage),
        question.missing(passage),
        offers(question.kind, sentence, question.text),
        similarity,
        1.0 / (1 + rank),
        float(lede),
    ]


def cosine_to_first(vectors: np.ndarray) -> list[float]:
    """Cosine of each vector after the first to the first (vectors are unit length)."""
    return [float(v) for v in vectors[1:] @ vectors[0]]


def logistic_fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def best_threshold(
    scores: Sequence[float], answerable: Sequence[bool], correct: Sequence[bool]
) -> float:
    """The threshold that maximises right answers plus right refusals on labelled questions."""
    candidates = sorted({0.0, *scores})
    best, best_gain = 0.0, -math.inf
    for t in candidates:
        gain = 0.0
        for s, a, c in zip(scores, answerable, correct, strict=True):
            answered = s >= t
            gain += (c if answered else 0.0) if a else (0.0 if answered else 1.0)
        if gain > best_gain:
            best, best_gain = t, gain
    return best
