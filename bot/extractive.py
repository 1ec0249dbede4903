"""The offline answerer: quote the sentences of the retrieved passages that answer the question.

Each candidate sentence is scored by its embedding similarity to the question, the share of the
question's key terms it contains, its passage's retrieval rank, and whether it holds the kind of
thing the question asks for (a number for "how many", a name for "who", a date for "when").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.models import Passage
from bot.sentences import split_sentences
from bot.text import content_terms

_NUMBERISH = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|"
                        r"thousand|million|billion|dozen)\b", re.I)
_DATEISH = re.compile(r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|"
                      r"August|September|October|November|December|Monday|Tuesday|Wednesday|"
                      r"Thursday|Friday|Saturday|Sunday)\b")
_NAMEISH = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


class SentenceEmbedder(Protocol):
    """What the extractive answerer needs from an embedder."""

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """Embed texts."""
        ...


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen sentence and the passage it came from."""

    text: str
    passage_index: int
    score: float


def answer_type(question: str) -> str:
    """A coarse answer type: number, date, person/name, place or other."""
    q = question.lower()
    if re.search(r"\bhow (many|much|long|old|far|big|large)\b|\bwhat (percentage|number|share)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwho\b|\bwhose\b|\bwhich (person|man|woman|company|team|country)\b", q):
        return "name"
    if re.search(r"\bwhere\b|\bwhich (city|state|country|place)\b", q):
        return "name"
    return "other"


def _type_bonus(kind: str, sentence: str) -> float:
    if kind == "number":
        return 1.0 if _NUMBERISH.search(sentence) else 0.0
    if kind == "date":
        return 1.0 if _DATEISH.search(sentence) else 0.0
    if kind == "name":
        return 1.0 if _NAMEISH.search(sentence) else 0.0
    return 0.0


def pick_sentences(
    question: str,
    passages: list[Passage],
    embedder: SentenceEmbedder,
    *,
    max_sentences: int = 2,
    max_chars: int = 400,
) -> list[Pick]:
    """Choose up to `max_sentences` sentences that best answer `question`."""
    candidates: list[tuple[int, str]] = []
    for index, passage in enumerate(passages):
        for sentence in split_sentences(passage.text):
            if 25 <= len(sentence.text) <= 600:
                candidates.append((index, sentence.text))
    if not candidates:
        return []
    vectors = embedder.embed([question] + [text for _, text in candidates])
    similarity = vectors[1:] @ vectors[0]
    terms = content_terms(question)
    kind = answer_type(question)
    scored: list[Pick] = []
    for (index, text), sim in zip(candidates, similarity, strict=True):
        lexical = len(terms & content_terms(text)) / len(terms) if terms else 0.0
        rank = 1.0 / (1.0 + index)
        score = 0.55 * float(sim) + 0.30 * lexical + 0.10 * rank + 0.05 * _type_bonus(kind, text)
        scored.append(Pick(text, index, score))
    scored.sort(key=lambda p: p.score, reverse=True)
    picks = [scored[0]]
    # A second sentence only if it is nearly as good and adds something new.
    for pick in scored[1:]:
        if len(picks) >= max_sentences:
            break
        if pick.score < picks[0].score * 0.9:
            break
        if sum(len(p.text) for p in picks) + len(pick.text) > max_chars:
            continue
        if content_terms(pick.text) <= content_terms(picks[0].text):
            continue
        picks.append(pick)
    return picks


def compose(picks: list[Pick]) -> str:
    """Join picked sentences with `[n]` markers that index the retrieved passages from 1."""
    parts = []
    for pick in picks:
        text = pick.text.strip()
        match = re.search(r"[.!?]+[\"'”’)]*$", text)
        if match is None:
            parts.append(f"{text} [{pick.passage_index + 1}].")
        else:
            parts.append(f"{text[: match.start()]} [{pick.passage_index + 1}]{text[match.start():]}")
    return " ".join(parts)
