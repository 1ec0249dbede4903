"""The offline answerer: quote the sentences of the retrieved passages that answer the question.

Each candidate sentence is scored on what tends to mark an answer in news text:
- key-term coverage: the share of the question's BM25 tokens it contains, weighted by rarity (IDF
  from the BM25 index), so "Activision" counts for more than "company";
- answer type: a "who/which company" question wants a name the question does not already
  contain, "how many" a new number, "when" a date, anything else some new content;
- its passage's retrieval rank, and whether it is the article's lede (news puts the answer first);
- embedding similarity to the question, for the few best candidates only (it is the costly part).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.answer.answer_types import answer_type, novelty
from bot.answer.models import Passage
from bot.answer.sentences import split_sentences
from bot.answer.text import content_terms
from ingest.index.lexical import terms

MIN_CHARS = 25
MAX_CHARS = 600


class SentenceEmbedder(Protocol):
    """What the extractive answerer needs from an embedder."""

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """Embed texts."""
        ...


@dataclass(frozen=True, slots=True)
class Weights:
    """How the sentence features combine (chosen on the dev set; see the eval note)."""

    coverage: float = 1.0
    answer_type: float = 0.5
    passage_rank: float = 0.6
    doc_rank: float = 0.0
    lede: float = 0.3
    similarity: float = 0.0
    rerank: int = 6  # how many top candidates get an embedding (when similarity > 0)
    second: float = 0.0  # a second sentence must score at least this share of the first's


@dataclass(frozen=True, slots=True)
class Pick:
    """A chosen sentence and the passage it came from."""

    text: str
    passage_index: int
    score: float
    coverage: float = 0.0  # weighted share of the question's key terms the sentence holds


@dataclass(slots=True)
class _Candidate:
    text: str
    passage_index: int
    lede: bool
    doc_index: int = 0
    coverage: float = 0.0
    score: float = 0.0
    found: frozenset[str] = frozenset()  # its `terms` tokens


def candidates(passages: list[Passage]) -> list[_Candidate]:
    """Every quotable sentence of the passages (not too short, not too long)."""
    out: list[_Candidate] = []
    seen: set[str] = set()
    documents = list(dict.fromkeys(p.doc_id for p in passages))
    for index, passage in enumerate(passages):
        first = True
        for sentence in split_sentences(passage.text):
            text = sentence.text
            if not MIN_CHARS <= len(text) <= MAX_CHARS:
                continue
            if text not in seen:  # overlapping chunks repeat sentences
                seen.add(text)
                out.append(
                    _Candidate(
                        text,
                        index,
                        lede=first and passage.start == 0,
                        doc_index=documents.index(passage.doc_id),
                    )
                )
            first = False
    return out


def pick_sentences(
    question: str,
    passages: list[Passage],
    embedder: SentenceEmbedder | None = None,
    *,
    max_sentences: int = 2,
    max_chars: int = 500,
    term_weight: Callable[[str], float] | None = None,
    weights: Weights | None = None,
) -> list[Pick]:
    """Choose up to `max_sentences` sentences that best answer `question`, best first."""
    w = weights or Weights()
    pool = candidates(passages)
    wanted = set(terms([question])[0])
    if not pool:
        return []
    weight = term_weight or (lambda _term: 1.0)
    term_weights = {t: weight(t) for t in wanted}
    total = sum(term_weights.values()) or 1.0
    kind = answer_type(question)
    question_terms = content_terms(question)
    lowered = question.lower()
    for candidate, found in zip(pool, terms([c.text for c in pool]), strict=True):
        candidate.found = frozenset(found)
        candidate.coverage = sum(term_weights[t] for t in wanted & candidate.found) / total
        candidate.score = (
            w.coverage * candidate.coverage
            + w.answer_type * novelty(kind, candidate.text, question_terms, lowered)
            + w.passage_rank / (1 + candidate.passage_index)
            + w.doc_rank / (1 + candidate.doc_index)
            + w.lede * candidate.lede
        )
    pool.sort(key=lambda c: c.score, reverse=True)
    if w.similarity and embedder is not None:
        _rerank(question, pool[: w.rerank], embedder, w.similarity)
        pool.sort(key=lambda c: c.score, reverse=True)
    return _choose(pool, wanted, max_sentences, max_chars, w.second)


def _rerank(
    question: str, top: list[_Candidate], embedder: SentenceEmbedder, weight: float
) -> None:
    vectors = embedder.embed([question] + [c.text for c in top])
    for candidate, similarity in zip(top, vectors[1:] @ vectors[0], strict=True):
        candidate.score += weight * float(similarity)


def _choose(
    pool: list[_Candidate], wanted: set[str], max_sentences: int, max_chars: int, second: float
) -> list[Pick]:
    chosen = [pool[0]]
    covered = set(pool[0].found)
    for candidate in pool[1:]:
        if len(chosen) >= max_sentences or candidate.score < second * pool[0].score:
            break
        if sum(len(c.text) for c in chosen) + len(candidate.text) > max_chars:
            continue
        if content_terms(candidate.text) <= set().union(*(content_terms(c.text) for c in chosen)):
            continue  # adds nothing new
        if not (wanted & candidate.found) - covered:
            # A further sentence must bring a key term of the question that the answer lacks;
            # otherwise it is filler ("a spokesperson declined to comment") next to the answer.
            continue
        covered |= candidate.found
        chosen.append(candidate)
    return [Pick(c.text, c.passage_index, c.score, c.coverage) for c in chosen]


def compose(picks: list[Pick]) -> str:
    """Join picked sentences with `[n]` markers that index the retrieved passages from 1."""
    parts = []
    for pick in picks:
        text = pick.text.strip()
        match = re.search(r"[.!?]+[\"'”’)]*$", text)
        if match is None:
            parts.append(f"{text} [{pick.passage_index + 1}].")
        else:
            parts.append(
                f"{text[: match.start()]} [{pick.passage_index + 1}]{text[match.start() :]}"
            )
    return " ".join(parts)
