"""How likely a sentence is to answer a question: one calibrated score from general signals.

The signals hold for any article set, not one dataset:
- coverage: the share of the question's key terms (Snowball stems, weighted by rarity: the index's
  IDF blended with English background frequencies) that the sentence holds, with the sentence
  before it (news sentences lean on the one before: "The deal is valued at ..."), and that its
  passage and title hold, as written or in other words ("discussions" for "talks":
  `passage_holds`, by the local embedder's input word vectors);
- missing: the weight of the most informative key term that the whole passage lacks, in any
  words (the article covers the story but not the asked detail);
- ask coverage: coverage, with the sentence before, of the key terms of the sentence that asks
  ("... was suspended six games for violating the NFL's policy. Which team does Watson play
  for?"): a question that sets the scene first is answered by what the asking sentence wants,
  not by the sentence that restates the scene;
- detail coverage: coverage of the key terms that no retrieved title holds. The titles name the
  story ("Honda", "Nissan"); what is left is the asked detail ("goal", "built", "cost"), which a
  sentence that merely mentions the story lacks;
- answer type: whether the sentence holds an answer of the asked kind (a person or organisation
  for "who", a place for "where", a date, an amount of money, a percentage, a count, a cause for
  "why") that the question does not already contain, and whether a question that asks for such
  a kind finds none;
- similarity: the local embedder's cosine between the question and the sentence (paraphrases),
  the sentence's vector pooled from its chunk's embedding at ingest; and the same cosine with
  both vectors centred on the shortlist's mean, which takes out what every candidate shares (the
  story) and leaves what this sentence says about it;
- headline: whether the sentence says what its article's title says beyond the question. A news
  title states the article's main fact ("Merriam-Webster's word of the year is gaslighting"), so a
  sentence whose asked-for answer (a name, a number, ...) is in the title, or that holds the
  title's words the question lacks, tells that fact rather than a side detail;
- nearby: the share of the question's key terms within about eight words of the sentence's
  answer of the asked kind. A sentence about the story holds names, dates and numbers; the one
  that answers holds its answer next to what was asked ("Feser will hold presidential powers"
  for "who is the interim president", not a name at the sentence's other end);
- position: its passage's retrieval rank and whether it is the article's lede.

A logistic model combines them; its weights and the refusal thresholds are fitted on labelled
questions (`citebot fit`, with `bot.answer.estimators`) and shipped in `data/answerability.json`
with the fold-averaged numbers they were measured at.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.answer.answer_types import around, offers, proper_words, typed_spans
from bot.answer.facts import MONTH_NAMES, WEEKDAYS
from bot.answer.models import Passage
from bot.answer.question_kinds import answer_kind, asking_sentence
from bot.answer.respelling import respell
from ingest.index.language.rarity import background_weight
from ingest.index.language.tokens import KeyTerm, is_key_word, key_terms, terms, words
from ingest.index.language.word_vectors import word_vectors

FEATURES = (
    "coverage",
    "context_coverage",
    "passage_coverage",
    "missing",
    "answer_type",
    "kind_missing",
    "similarity",
    "rank",
    "lede",
    "detail_coverage",
    "centred_similarity",
    "ask_coverage",
    "headline_answer",
    "headline_coverage",
    "nearby",
)
MODEL_PATH = Path(__file__).parent / "data" / "answerability.json"
Rarity = Callable[[str, str], float]  # (word, stem) -> 0..1


DECISION = ("share", "margin", *FEATURES)  # the best candidate's: softmax share, lead, features


@dataclass(frozen=True, slots=True)
class Model:
    """Ranking weights over `FEATURES`, a logistic decision over `DECISION`, and thresholds.

    Ranking is a conditional logit: within one question, P(sentence i answers) is the softmax of
    `rank_weights . features_i`. The decision is a logistic model of "the best sentence holds the
    answer" from that sentence's share, its lead over the next, and its features.
    """

    rank_weights: tuple[float, ...]
    weights: tuple[float, ...]  # decision weights over `DECISION`
    bias: float
    threshold: float  # answer when the decision's probability reaches this
    topic_threshold: float  # ask the LLM / look for sentences when a passage is this on-topic
    meta: dict[str, Any] = field(default_factory=dict)

    def shares(self, features: np.ndarray) -> np.ndarray:
        """Softmax over one question's candidates (rows in `FEATURES` order)."""
        z = features @ np.asarray(self.rank_weights)
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum())

    def decision_row(self, shares: Sequence[float], best: Sequence[float]) -> list[float]:
        """`DECISION` features of a question's best candidate."""
        lead = shares[0] - (shares[1] if len(shares) > 1 else 0.0)
        return [shares[0], lead, *best]

    def probability(self, row: Sequence[float]) -> float:
        """P(the best candidate answers the question) from its `decision_row`."""
        z = float(np.asarray(row) @ np.asarray(self.weights)) + self.bias
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in `data/answerability.json`."""
        return {
            "features": list(FEATURES),
            "rank_weights": list(self.rank_weights),
            "decision": list(DECISION),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "topic_threshold": self.topic_threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        """Read a stored model; its features must be today's."""
        if tuple(data["features"]) != FEATURES or tuple(data["decision"]) != DECISION:
            raise ValueError("the answerability model was fitted on other features")
        return cls(
            rank_weights=tuple(float(w) for w in data["rank_weights"]),
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            topic_threshold=float(data["topic_threshold"]),
            meta=dict(data.get("meta", {})),
        )


# Before any fit: the hand weights the extractive answerer used, as a logistic model; the
# features added since weigh nothing until a fit.
_PRIOR_RANK = {
    "coverage": 4.0,
    "context_coverage": 1.0,
    "passage_coverage": 1.0,
    "answer_type": 2.0,
    "kind_missing": -1.0,
    "similarity": 2.0,
    "rank": 2.4,
    "lede": 1.2,
}
_PRIOR_DECISION = {
    "share": 1.0,
    "coverage": 2.0,
    "context_coverage": 1.0,
    "passage_coverage": 1.0,
    "answer_type": 1.0,
    "kind_missing": -1.0,
    "similarity": 2.0,
}
PRIOR = Model(
    rank_weights=tuple(_PRIOR_RANK.get(name, 0.0) for name in FEATURES),
    weights=tuple(_PRIOR_DECISION.get(name, 0.0) for name in DECISION),
    bias=-3.0,
    threshold=0.3,
    topic_threshold=0.3,
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
    return dataclasses.replace(model, threshold=threshold)


@dataclass(frozen=True, slots=True)
class Question:
    """A question prepared once: key terms with weights, the kind of answer it wants."""

    text: str  # as asked, its typos corrected (`prepare` with passages)
    terms: tuple[KeyTerm, ...]
    weights: tuple[float, ...]
    kind: str
    asking: frozenset[str] = frozenset()  # stems of the sentence that asks (all when one)

    @property
    def total(self) -> float:
        """Sum of the key terms' weights."""
        return sum(self.weights) or 1.0

    def coverage(self, stems: set[str] | frozenset[str]) -> float:
        """Weighted share of the key terms among `stems`."""
        got = sum(w for t, w in zip(self.terms, self.weights, strict=True) if _holds(stems, t.stem))
        return got / self.total

    def holds_telling(self, stems: set[str] | frozenset[str]) -> bool:
        """Whether `stems` hold one of the most informative key terms (of equals, any)."""
        top = max(self.weights, default=0.0)
        return any(
            _holds(stems, t.stem) for t, w in zip(self.terms, self.weights, strict=True) if w == top
        )

    def missing(self, stems: set[str] | frozenset[str]) -> float:
        """Weight of the most informative key term not among `stems` (0 when none is missing)."""
        absent = [
            w for t, w in zip(self.terms, self.weights, strict=True) if not _holds(stems, t.stem)
        ]
        return max(absent, default=0.0)

    def ask_coverage(self, stems: set[str] | frozenset[str]) -> float:
        """`coverage` over the key terms of the sentence that asks (`coverage` when none)."""
        share = self._share(stems, lambda stem: stem in self.asking)
        return self.coverage(stems) if share is None else share

    def detail_coverage(self, stems: set[str] | frozenset[str], story: frozenset[str]) -> float:
        """`coverage` over the key terms that `story` (the retrieved titles' stems) lacks; 1.0
        when the story holds every key term."""
        share = self._share(stems, lambda stem: not _holds(story, stem))
        return 1.0 if share is None else share

    def _share(
        self, stems: set[str] | frozenset[str], counted: Callable[[str], bool]
    ) -> float | None:
        """Weighted share among `stems` of the key terms whose stem is `counted` (None when
        those weigh nothing)."""
        kept = [(t, w) for t, w in zip(self.terms, self.weights, strict=True) if counted(t.stem)]
        total = sum(w for _, w in kept)
        if total <= 0:
            return None
        return sum(w for t, w in kept if _holds(stems, t.stem)) / total


PREFIX = 4  # a stem this long also matches longer words it begins ("europ" in "european")


def _holds(stems: set[str] | frozenset[str], stem: str) -> bool:
    """True when `stems` has `stem`, or a derived word of it (Europe/European, Japan/Japanese)."""
    if stem in stems:
        return True
    if len(stem) < PREFIX:
        return False
    if not isinstance(stems, frozenset):
        return any(s.startswith(stem) for s in stems)
    ordered = _ordered(stems)  # the words it begins sort right after it
    at = bisect.bisect_left(ordered, stem)
    return at < len(ordered) and ordered[at].startswith(stem)


@lru_cache(maxsize=1024)  # passages' stem sets recur across a question's candidates
def _ordered(stems: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(stems))


def prepare(question: str, rarity: Rarity | None, passages: Sequence[Passage] = ()) -> Question:
    """Key terms, their rarity weights and the asked kind of `question`; with the retrieved
    `passages`, its typos read as their words (`bot.answer.respelling`)."""
    found = tuple(key_terms(question))
    text = question
    if passages and found:
        stems = [passage_stems(p.text, p.headline) for p in passages]
        text, found = respell(question, found, passages, lambda s: any(_holds(t, s) for t in stems))
    weigh = rarity or (lambda _w, _s: 1.0)
    weights = tuple(weigh(t.word, t.stem) for t in found)
    return Question(text, found, weights, answer_kind(question), asking_stems(text))


def asking_stems(question: str) -> frozenset[str]:
    """The key stems of `asking_sentence(question)` (every stem when it is one sentence)."""
    return frozenset(t.stem for t in key_terms(asking_sentence(question)))


@lru_cache(maxsize=1024)  # the on-topic gate and the shortlist both ask, per question
def passage_stems(text: str, title: str) -> frozenset[str]:
    """The stems a passage offers, its title included."""
    return frozenset(terms(f"{title}\n{text}"))


PARAPHRASE = 0.5  # input-word-vector cosine at which a passage word says a key term otherwise
_CALENDAR = frozenset(MONTH_NAMES) | WEEKDAYS


def passage_holds(
    question: Question, text: str, title: str, proper: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The stems a passage offers (`passage_stems`), and the stems of the question's key terms
    that it says in other words: a word of it whose input word vector (`word_vectors`) has a
    cosine of at least `PARAPHRASE` with the term's ("discussions" for "talks", "built" for
    "constructed"). Names, dates and numbers count only as written, since words of one kind
    sit near each other ("Toyota" near "Honda", "Tuesday" near "Monday"); names are the words
    the question or the passages (`proper`) capitalise mid-sentence."""
    held = passage_stems(text, title)
    names = frozenset(w.lower() for w in proper | proper_words([question.text]))
    vectors = word_vectors()
    asked = [
        (t.stem, found)
        for t in question.terms
        if not _holds(held, t.stem)
        and _paraphrasable(t.word, names)
        and (found := vectors.id(t.word)) is not None
    ]
    if not asked:
        return held
    said, rows = _passage_rows(f"{title}\n{text}")
    keep = [i for i, word in enumerate(said) if word not in names]
    if not keep:
        return held
    near = (rows[keep] @ vectors.unit_rows([found for _, found in asked]).T).max(axis=0)
    return held | {s for (s, _), best in zip(asked, near, strict=True) if best >= PARAPHRASE}


def _paraphrasable(word: str, names: frozenset[str] = frozenset()) -> bool:
    return word not in names and word not in _CALENDAR and not any(c.isdigit() for c in word)


@lru_cache(maxsize=256)  # the on-topic gate and the shortlist both ask, per passage
def _passage_rows(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """A passage's distinct key words that may be paraphrases (whole tokens of the embedder's
    vocabulary, no date or number), with their unit input word vectors."""
    vectors = word_vectors()
    found = {
        w: i
        for w in dict.fromkeys(words(text))
        if is_key_word(w) and _paraphrasable(w) and (i := vectors.id(w))
    }
    rows = vectors.unit_rows(list(found.values())) if found else np.zeros((0, 1), np.float32)
    return tuple(found), rows


# A title's trailing site name ("... | CNN Politics", "... - CNN") and cut-off mark ("...").
_SITE_SUFFIX = re.compile(
    r"(?:\s+\|\s.*"  # "... | CNN Politics": what follows a bar
    r"|\s+[-\u2013\u2014]\s+(?:[A-Z][\w.&']*\s*){1,3}"  # "... - CNN": up to three capitalised words
    r"|\s*(?:\.\.\.|\u2026))$"  # cut off
)


@dataclass(frozen=True, slots=True)
class Headline:
    """What an article's title says beyond the question: its stems, and its key terms that the
    question lacks, weighted by background rarity."""

    stems: frozenset[str]
    news: tuple[KeyTerm, ...]
    weights: tuple[float, ...]

    def coverage(self, stems: frozenset[str]) -> float:
        """Weighted share of the title's news among `stems` (0 when the title adds nothing)."""
        total = sum(self.weights)
        if total <= 0:
            return 0.0
        got = sum(w for t, w in zip(self.news, self.weights, strict=True) if _holds(stems, t.stem))
        return got / total


def headline(question: Question, title: str) -> Headline:
    """The `Headline` of `title` for `question`, the site's name dropped."""
    text = title
    while (cut := _SITE_SUFFIX.sub("", text)) != text:
        text = cut
    asked = frozenset(t.stem for t in question.terms)
    # A title word is news unless the question has it, either way round ("Japan"/"Japanese");
    # a plain set, so one-word sets do not crowd `_ordered`'s cache of passage stems.
    news = tuple(
        t
        for t in key_terms(text)
        if not _holds(asked, t.stem) and not any(_holds({t.stem}, s) for s in asked)
    )
    return Headline(frozenset(terms(text)), news, tuple(background_weight(t.word) for t in news))


def features_row(
    question: Question,
    sentence: str,
    sentence_stems: frozenset[str],
    context: frozenset[str],
    passage: frozenset[str],
    *,
    story: frozenset[str],
    title: Headline,
    proper: frozenset[str] | None = None,
    rank: int,
    lede: bool,
    similarity: float,
    centred: float,
) -> list[float]:
    """One sentence's features, in `FEATURES` order (`context`: the sentence before it; `story`:
    the stems of the retrieved passages' titles; `title`: the sentence's own article's; `proper`:
    the words the passages capitalise mid-sentence, `answer_types.proper_words`)."""
    told = title.coverage(sentence_stems)
    if question.kind == "thing":
        offered = offers(question.kind, sentence, question.text)
        headlined = told
        nearby = 0.0
    else:
        spans = typed_spans(question.kind, sentence, question.text, proper)
        offered = max((score for _, _, score in spans), default=0.0)
        headlined = max(
            (score for a, b, score in spans if _within(sentence[a:b], title.stems)), default=0.0
        )
        nearby = max(
            (score * question.coverage(around(sentence, a, b)) for a, b, score in spans),
            default=0.0,
        )
    return [
        question.coverage(sentence_stems),
        question.coverage(sentence_stems | context),
        question.coverage(passage),
        question.missing(passage),
        offered,
        float(question.kind != "thing" and offered < 1.0),
        similarity,
        1.0 / (1 + rank),
        float(lede),
        question.detail_coverage(sentence_stems | context, story),
        centred,
        question.ask_coverage(sentence_stems | context),
        headlined,
        told,
        nearby,
    ]


def _within(span: str, stems: frozenset[str]) -> bool:
    """Whether every stem of `span` is among `stems` (False for a span without one)."""
    found = terms(span)
    return bool(found) and all(s in stems for s in found)
