"""Score answers against a questions file: retrieval, answers, citations, refusals, latency.

A questions file is JSON Lines: `{"id", "question", "answers": [gold, aliases...], "evidence":
[doc ids], "type": "factoid"|"null", "meta": {"question_date"}}`. Questions with neither answers
nor evidence (and not typed "null") are answered but not scored.

Gold answers are matched by normalised containment: lower-case, punctuation and symbols replaced
by spaces, leading articles dropped, whitespace collapsed, and the gold must appear as whole words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.index.errors import CitebotError

RECALL_AT = (1, 5, 10)
_ARTICLE = re.compile(r"^(?:a|an|the)\s+")
_MARKER = re.compile(r"\[\d{1,3}\]")


class QuestionsFileError(CitebotError):
    """The questions file cannot be read."""


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One line of a questions file."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    kind: str = ""  # "factoid", "null" or "" when the file does not say
    as_of: str = ""
    history: tuple[str, ...] = ()  # earlier questions of the same conversation, oldest first
    style: str = ""  # how it is phrased ("quiz", "chat", "typo", "followup"...): `meta.style`

    @property
    def is_null(self) -> bool:
        """True when the right behaviour is to refuse (no article holds the answer)."""
        return self.kind == "null"

    @property
    def answerable(self) -> bool:
        """True when the question has gold answers or evidence to score against."""
        return not self.is_null and bool(self.answers or self.evidence)


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a questions file; every malformed line is reported with its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QuestionsFileError(
            f"Cannot read the questions file {path} ({exc.strerror or exc}).",
            hint="Pass a JSON Lines file with one question object per line.",
        ) from None
    questions: list[EvalQuestion] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            questions.append(_parse(json.loads(line), number))
        except (ValueError, TypeError, AttributeError) as exc:
            raise QuestionsFileError(
                f"{path}:{number} is not a valid question ({exc}).",
                hint='Each line needs at least {"question": "..."}.',
            ) from None
    if not questions:
        raise QuestionsFileError(f"{path} holds no questions.")
    return questions


def _parse(row: Any, number: int) -> EvalQuestion:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    text = row.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"question" must be a non-empty string')
    meta = row.get("meta") or {}
    return EvalQuestion(
        id=str(row.get("id") or f"line-{number}"),
        question=text.strip(),
        answers=tuple(str(a) for a in row.get("answers") or ()),
        evidence=tuple(str(e) for e in row.get("evidence") or ()),
        kind=str(row.get("type") or ""),
        as_of=str(meta.get("question_date") or row.get("as_of") or ""),
        history=tuple(str(h) for h in row.get("history") or ()),
        style=str(meta.get("style") or ""),
    )


def normalise(text: str) -> str:
    """Lower-case, blank out punctuation and symbols, drop a leading article, collapse spaces."""
    text = _MARKER.sub(" ", text.lower())
    # punctuation becomes a space, so "Google’s" still contains "google" and "Covid-19" stays
    # "covid 19" on both sides
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)
    return _ARTICLE.sub("", " ".join(kept.split()))


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """True if any gold answer appears, as whole words, in `text` (both normalised)."""
    haystack = f" {normalise(text)} "
    for answer in answers:
        needle = normalise(answer)
        if needle and f" {needle} " in haystack:
            return True
    return False


@dataclass(slots=True)
class Outcome:
    """What happened on one question, reduced to what the scorecard needs."""

    question: EvalQuestion
    refused: bool
    answer: str
    documents: list[str]  # distinct retrieved doc ids, best first
    cited_passages: list[str] = field(default_factory=list)
    cited_quotes: list[str] = field(default_factory=list)
    retrieve_ms: float = 0.0
    total_ms: float = 0.0
    relevance: float = 0.0  # the best retrieved passage's relevance score

    def rank_of_evidence(self) -> int:
        """1-based rank of the first evidence document (0 if not retrieved)."""
        wanted = set(self.question.evidence)
        for rank, doc_id in enumerate(self.documents, start=1):
            if doc_id in wanted:
                return rank
        return 0

    def contains_answer(self) -> bool:
        """True if the answer text holds a gold answer (a refusal never does)."""
        return not self.refused and contains_answer(self.answer, self.question.answers)

    def citation_ok(self, *, quotes: bool = False) -> bool:
        """True if a cited passage (or its quote) holds a gold answer."""
        texts = self.cited_quotes if quotes else self.cited_passages
        return any(contains_answer(t, self.question.answers) for t in texts)

    def flags(self) -> dict[str, Any]:
        """Per-question scores for the results file."""
        out: dict[str, Any] = {"documents": self.documents}
        if self.question.evidence:
            out["evidence_rank"] = self.rank_of_evidence()
        if self.question.answers:
            out["contains_answer"] = self.contains_answer()
            out["citation_ok"] = self.citation_ok()
        return out


@dataclass(slots=True)
class Scorecard:
    """The dev-set numbers: retrieval, answers, citations, refusals and latency."""

    questions: int = 0
    answerable: int = 0
    null: int = 0
    recall: dict[int, float | None] = field(default_factory=dict)
    mrr: float | None = None
    containment: float | None = None
    citation_precision: float | None = None
    quote_precision: float | None = None
    null_refusal: float | None = None
    false_refusal: float | None = None
    retrieve_ms: dict[str, float | None] = field(default_factory=dict)
    total_ms: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (recall keys become "recall@k")."""
        data = asdict(self)
        data["recall"] = {f"@{k}": v for k, v in self.recall.items()}
        return data


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    array = np.asarray(values, dtype=float)
    return {"p50": float(np.percentile(array, 50)), "p95": float(np.percentile(array, 95))}


def score(outcomes: Sequence[Outcome]) -> Scorecard:
    """Aggregate per-question outcomes into a scorecard (None where nothing was measurable)."""
    answerable = [o for o in outcomes if o.question.answerable]
    nulls = [o for o in outcomes if o.question.is_null]
    with_evidence = [o for o in answerable if o.question.evidence]
    with_answers = [o for o in answerable if o.question.answers]
    answered = [o for o in with_answers if not o.refused]
    ranks = [o.rank_of_evidence() for o in with_evidence]
    return Scorecard(
        questions=len(outcomes),
        answerable=len(answerable),
        null=len(nulls),
        recall={k: _share([0 < r <= k for r in ranks]) for k in RECALL_AT},
        mrr=sum(1.0 / r for r in ranks if r) / len(ranks) if ranks else None,
        containment=_share([o.contains_answer() for o in with_answers]),
        citation_precision=_share([o.citation_ok() for o in answered]),
        quote_precision=_share([o.citation_ok(quotes=True) for o in answered]),
        null_refusal=_share([o.refused for o in nulls]),
        false_refusal=_share([o.refused for o in answerable]),
        retrieve_ms=_percentiles([o.retrieve_ms for o in outcomes]),
        total_ms=_percentiles([o.total_ms for o in outcomes]),
    )


def score_by_style(outcomes: Sequence[Outcome]) -> dict[str, Scorecard]:
    """A scorecard per phrasing style, by name, questions without one under "(none)" ({} unless
    the file marks two styles or more): a set's average hides that chat questions and follow-ups
    fare worse than quiz ones."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.question.style or "(none)", []).append(outcome)
    if len(groups.keys() - {"(none)"}) < 2:
        return {}
    return {style: score(groups[style]) for style in sorted(groups)}


def refusal_frontier(
    outcomes: Sequence[Outcome], thresholds: Iterable[float]
) -> list[tuple[float, float | None, float | None]]:
    """(threshold, null refusal, false refusal) if refusing whenever relevance < threshold."""
    nulls = [o.relevance for o in outcomes if o.question.is_null]
    answerable = [o.relevance for o in outcomes if o.question.answerable]
    return [
        (t, _share([r < t for r in nulls]), _share([r < t for r in answerable])) for t in thresholds
    ]
