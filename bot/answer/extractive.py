"""The offline answerer: quote the sentences of the retrieved passages that answer the question.

Every quotable sentence of the passages is a candidate. A cheap first pass (key-term coverage,
answer type, passage rank, lede) keeps the best few; those get the full answerability features
(see `bot.answer.answerability`, including the cosine of the question with the sentence, read
from the sentence vectors ingest stored with each chunk, or embedded here for chunks stored
without them) and the fitted model's probability of answering. The best one is quoted if that
probability reaches the model's threshold; a second sentence joins it when it is likely enough
too and brings a key term of the question that the first lacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.answer.answer_types import offers, proper_words
from bot.answer.answerability import (
    FEATURES,
    Model,
    Question,
    Rarity,
    default_model,
    features_row,
    headline,
    passage_holds,
    prepare,
)
from bot.answer.models import Passage
from bot.answer.sentences import split_sentences
from ingest.index.language.tokens import terms

MIN_CHARS = 25
MAX_CHARS = 600
SHORTLIST = 8  # candidates that get the full model (their similarity is stored at ingest)
SECOND = 0.3  # a second sentence needs at least this share of the first's probability
REPEATS = 0.5  # ... and at least this share of its words not in the first
_OFFERED = FEATURES.index("answer_type")


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
    score: float  # its share of the ranking model's softmax over the candidates
    coverage: float = 0.0  # weighted share of the question's key terms the sentence holds


@dataclass(frozen=True, slots=True)
class Vectors:
    """What the similarity feature reads without running the model: the question's vector and
    the sentence vectors stored with the retrieved chunks (`ingest.index.sentence_vectors`)."""

    question: np.ndarray
    sentences: Mapping[str, np.ndarray]  # chunk id -> one row per sentence of its text
    asked: str = ""  # the text `question` embeds (a corrected question is embedded anew)


@dataclass(slots=True)
class Candidate:
    """A quotable sentence with its features and score."""

    text: str
    passage_index: int
    lede: bool
    before: str = ""  # the sentence before it in its passage
    vector: np.ndarray | None = None  # its stored sentence vector, if its chunk has them
    stems: frozenset[str] = frozenset()
    features: tuple[float, ...] = ()
    score: float = 0.0


def candidates(
    passages: list[Passage], stored: Mapping[str, np.ndarray] | None = None
) -> list[Candidate]:
    """Every quotable sentence of the passages (not too short, not too long, no question or
    credit line), with its stored vector when its chunk has one per sentence."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for index, passage in enumerate(passages):
        before = ""
        sentences = split_sentences(passage.text)
        rows = (stored or {}).get(passage.chunk_id)
        if rows is not None and len(rows) != len(sentences):
            rows = None  # split by another version of the splitter: embed instead
        for n, sentence in enumerate(sentences):
            text = sentence.text
            if MIN_CHARS <= len(text) <= MAX_CHARS and text not in seen and _states(text):
                seen.add(text)  # overlapping chunks repeat sentences
                lede = not before and passage.start == 0
                vector = rows[n] if rows is not None and rows[n].any() else None
                out.append(Candidate(text, index, lede=lede, before=before, vector=vector))
            before = text
    return out


_ASKS = re.compile(r"\?[\"'”’)\]]*$")


def asks(sentence: str) -> bool:
    """Whether `sentence` is itself a question ("What happens next?"): it states nothing."""
    return _ASKS.search(sentence.rstrip()) is not None


def _states(sentence: str) -> bool:
    """Whether `sentence` can be quoted as an answer: neither a question nor a credit line."""
    return not asks(sentence) and not is_credit(sentence)


# A wire or contributor credit: "(With inputs from Reuters)", "Contributing: The Associated
# Press", "Reporting by ...; Editing by ...", "CNN's Laura He contributed to this report." It says
# who wrote the story, not what happened, yet offers a name or a place ("from Reuters") to any
# question. A credit has one of these cues and, besides names, only the words credits use.
_CREDIT_CUE = re.compile(
    r"\b(?:with inputs from|reporting by|editing by|writing by|compiled by|contributing:|"
    r"contributors?:|contributed (?:to this|reporting))",
    re.IGNORECASE,
)
_CREDIT_WORDS = frozenset(
    """with inputs from by and of the in to this additional reporting editing writing compiled
    edited contributing contributed contributor contributors report story article staff writer
    writers reporter reporters agencies agency wire services also""".split()  # noqa: SIM905
)
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z]+\b")


def is_credit(sentence: str) -> bool:
    """Whether `sentence` only credits the story's writers or wire service (`_CREDIT_CUE`)."""
    return _CREDIT_CUE.search(sentence) is not None and all(
        word in _CREDIT_WORDS for word in _LOWER_WORD.findall(sentence)
    )


def shortlist(
    question: Question,
    passages: list[Passage],
    embedder: SentenceEmbedder | None,
    vectors: Vectors | None = None,
) -> list[Candidate]:
    """The best candidates by a cheap first pass, with full features (score not yet set)."""
    pool = candidates(passages, vectors.sentences if vectors is not None else None)
    if not pool:
        return []
    proper = proper_words(p.text for p in passages)
    offered = {
        i: passage_holds(question, p.text, p.headline, proper) for i, p in enumerate(passages)
    }
    for candidate in pool:
        candidate.stems = frozenset(terms(candidate.text))
        candidate.score = (
            question.coverage(candidate.stems)
            + 0.5 * offers(question.kind, candidate.text, question.text, proper)
            + 0.6 / (1 + candidate.passage_index)
            + 0.3 * candidate.lede
        )
    pool.sort(key=lambda c: c.score, reverse=True)
    top = pool[:SHORTLIST]
    similarities, centred = _similarities(question.text, top, embedder, vectors)
    story = frozenset(stem for p in passages for stem in terms(p.headline))
    titles = {title: headline(question, title) for title in {p.headline for p in passages}}
    for candidate, similarity, centred_similarity in zip(top, similarities, centred, strict=True):
        candidate.features = tuple(
            features_row(
                question,
                candidate.text,
                candidate.stems,
                frozenset(terms(candidate.before)),
                offered[candidate.passage_index],
                story=story,
                title=titles[passages[candidate.passage_index].headline],
                proper=proper,
                rank=candidate.passage_index,
                lede=candidate.lede,
                similarity=similarity,
                centred=centred_similarity,
            )
        )
    return top


def _similarities(
    question: str,
    top: list[Candidate],
    embedder: SentenceEmbedder | None,
    vectors: Vectors | None,
) -> tuple[list[float], list[float]]:
    """Cosine of the question with each candidate, plain and with every vector centred on the
    candidates' mean. Stored sentence vectors where there are, the embedder for the rest (and
    for the question, unless its vector is given for this text: a question whose typos were
    corrected is embedded as corrected)."""
    missing = [c.text for c in top if c.vector is None]
    reuse = vectors is not None and (vectors.asked == question or embedder is None)
    if embedder is None and (not reuse or missing):
        return [0.0] * len(top), [0.0] * len(top)  # no model to embed what has no stored vector
    if not reuse:
        assert embedder is not None
        q, *rest = embedder.embed([question, *missing])
    else:
        assert vectors is not None
        q, rest = vectors.question, list(embedder.embed(missing)) if embedder and missing else []
    fresh = iter(rest)
    rows = np.asarray(
        [next(fresh) if c.vector is None else c.vector for c in top], dtype=np.float32
    )
    mean = rows.mean(axis=0)
    return [float(v) for v in rows @ q], [float(v) for v in _cosines(q - mean, rows - mean)]


def _cosines(vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(vector)
    return np.asarray(rows @ vector / np.maximum(norms, 1e-9))


def score(top: list[Candidate], model: Model) -> tuple[list[Candidate], float]:
    """Rank the candidates (score: share of the softmax), best first, and the probability that
    the best one answers the question."""
    if not top:
        return [], 0.0
    shares = model.shares(np.asarray([c.features for c in top]))
    for candidate, share in zip(top, shares, strict=True):
        candidate.score = float(share)
    ranked = sorted(top, key=lambda c: c.score, reverse=True)
    row = model.decision_row([c.score for c in ranked], ranked[0].features)
    return ranked, model.probability(row)


def pick_sentences(
    question: str,
    passages: list[Passage],
    embedder: SentenceEmbedder | None = None,
    *,
    max_sentences: int = 2,
    max_chars: int = 500,
    rarity: Rarity | None = None,
    model: Model | None = None,
    vectors: Vectors | None = None,
) -> list[Pick]:
    """Up to `max_sentences` sentences that answer `question`, best first (none: refuse)."""
    picks, _best = answer_sentences(
        question,
        passages,
        embedder,
        max_sentences=max_sentences,
        max_chars=max_chars,
        rarity=rarity,
        model=model,
        vectors=vectors,
    )
    return picks


def answer_sentences(
    question: str,
    passages: list[Passage],
    embedder: SentenceEmbedder | None = None,
    *,
    max_sentences: int = 2,
    max_chars: int = 500,
    rarity: Rarity | None = None,
    model: Model | None = None,
    vectors: Vectors | None = None,
) -> tuple[list[Pick], float]:
    """The picks (none below the model's threshold) and the best sentence's probability."""
    chosen_model = model or default_model()
    prepared = prepare(question, rarity, passages)
    ranked, best = score(shortlist(prepared, passages, embedder, vectors), chosen_model)
    if not ranked or best < chosen_model.threshold:
        return [], best
    return choose(prepared, ranked, max_sentences, max_chars), best


def choose(
    question: Question, ranked: list[Candidate], max_sentences: int, max_chars: int
) -> list[Pick]:
    """The best candidate and, when it is likely enough too, a second one: the right answer is
    often the runner-up ("Microsoft ... in a deal worth nearly $70 billion." then "The
    all-cash transaction is valued at $68.7 billion"). It must bring a key term of the question
    that the first lacks or a full answer of the asked kind, and not repeat the first."""
    chosen = [ranked[0]]
    covered = set(ranked[0].stems)
    wanted = {t.stem for t in question.terms}
    for candidate in ranked[1:]:
        if len(chosen) >= max_sentences or candidate.score < SECOND * ranked[0].score:
            break
        if sum(len(c.text) for c in chosen) + len(candidate.text) > max_chars:
            continue
        if not (wanted & candidate.stems) - covered and not _typed_answer(question, candidate):
            # Neither an asked-for term the answer lacks nor an answer of the asked kind: filler
            # next to the answer ("a spokesperson declined to comment", a byline).
            continue
        if len(candidate.stems - ranked[0].stems) < REPEATS * len(candidate.stems):
            continue  # mostly what the answer already says ("Honda targets ... by 2040" again)
        covered |= candidate.stems
        chosen.append(candidate)
    return [Pick(c.text, c.passage_index, c.score, question.coverage(c.stems)) for c in chosen]


def _typed_answer(question: Question, candidate: Candidate) -> bool:
    """True when the candidate fully offers an answer of a typed kind (a name, a place, an
    amount, a date) that the question lacks."""
    return question.kind != "thing" and candidate.features[_OFFERED] >= 1.0


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
