"""Does one passage support one claim? Checked the way a fact-checker reads it.

Hard checks first, each with a reason a person can read:
- every number the claim states is in the passage, its title or metadata ("number 2035 not in [1]");
- every month and weekday ("date November not in [1]");
- every capitalised name: each of its words, with short forms ("Marquardt" for "Ines Marquardt"),
  acronyms ("GM" for "General Motors") and demonyms ("French" for "France"); the rest of a name the
  passage shortens may come from the same article ("person Toni Morrison not in [1]");
- polarity: a negation or reversing verb ("not", "yet to", "abandoned", "dropped") on one side only
  ("negation");
- no clause of the claim is mostly words the passage lacks: an added fact ("a physicist by
  training" not in [1]).
Then the rest may be paraphrased: the share of the claim's stemmed content words the passage holds,
or the local embedder's similarity between the claim and the passage's best sentence, must clear a
threshold (fitted on the even rows of eval/claims.jsonl: see `citebot eval --claims`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from bot.answer.evidence import Evidence
from bot.answer.extractive import SentenceEmbedder
from bot.answer.facts import (
    Name,
    dates_in,
    names_in,
    numbers_in,
    word_set,
)
from bot.answer.polarity import polarity_differs
from bot.answer.sanitize import LINK_REMOVED
from bot.answer.sentences import split_sentences
from bot.answer.text import words
from ingest.index.language.tokens import key_stems

PLACE_WORDS = word_set(
    """northern southern eastern western central north south east west in at near from"""
)
ORG_WORDS = word_set(
    """inc corp co ltd llc plc group bank university college motor motors company agency department
    ministry party council commission association foundation institute fund court airlines
    airways news times post network studios labs technologies"""
)
PERSON_TITLES = word_set(
    """mr mrs ms dr rep sen gov president ceo secretary minister chancellor judge justice coach
    prince princess king queen pope actor singer analyst spokesperson spokesman spokeswoman"""
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Paraphrase support: enough shared content words, or a close best sentence."""

    overlap: float = 0.65
    similarity: float = 0.75
    combined: float = 1.4  # overlap + similarity
    floor: float = 0.2  # below this overlap the claim is mostly new words: never a paraphrase

    def accept(self, overlap: float, similarity: float) -> bool:
        """Whether paraphrase scores this high support a claim."""
        if overlap < self.floor:
            return False
        return (
            overlap >= self.overlap
            or similarity >= self.similarity
            or overlap + similarity >= self.combined
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """One claim against one passage."""

    supported: bool
    reason: str = ""  # why not: "number 2035 not in [1]", "negation", "not in [1]"
    overlap: float = 0.0
    similarity: float = 0.0


@dataclass
class Source:
    """A passage as evidence: its facts, sentences and (lazily) their embeddings."""

    evidence: Evidence
    sentences: list[str]
    terms: list[set[str]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str, *, meta: str = "", context: str = "") -> Source:
        sentences = [s.text for s in split_sentences(text)] or [text]
        sentences += [
            line for line in meta.splitlines() if line.strip()
        ]  # the title says things too
        source = cls(Evidence(f"{text}\n{meta}", context), sentences)
        source.terms = [key_stems(s) for s in sentences]
        return source


SIMILAR_SENTENCES = 3  # passage sentences compared with a claim by embedding
SENTENCE_CACHE = 4096  # passage sentence vectors kept between answers


class Checker:
    """Checks claims against sources; `embedder` adds paraphrase similarity when given."""

    def __init__(self, embedder: SentenceEmbedder | None, thresholds: Thresholds | None = None):
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self.exhaustive = False  # always compute the similarity (to fit thresholds)
        self._claims: dict[str, np.ndarray] = {}  # this answer's claims
        self._sentences: OrderedDict[str, np.ndarray] = OrderedDict()  # passages recur: kept

    def fresh(self) -> Checker:
        """Start a new answer: forget its claims (passage sentence vectors are kept)."""
        self._claims = {}
        return self

    def check(self, claim: str, source: Source, label: str) -> Verdict:
        """Whether `source` (called `label`, e.g. "[1]") supports `claim`."""
        failure = fact_failure(claim, source.evidence, label)
        if failure:
            return Verdict(False, failure)
        terms = key_stems(claim)
        best = _aligned(terms, source)
        if polarity_differs(claim, [source.sentences[i] for i in best[:2]]):
            return Verdict(False, "negation")
        if not terms:
            return Verdict(True)
        known = set().union(*source.terms) | key_stems(source.evidence.text)
        known |= source.evidence.initials  # "CDC" where the passage spells it out
        part = uncovered_part(claim, known)
        if part:
            return Verdict(False, f'"{part}" not in {label}')
        overlap = len(terms & known) / len(terms)
        t = self.thresholds
        if self.embedder is None or overlap < t.floor:
            supported = t.accept(overlap, 0.0)
            return Verdict(supported, "" if supported else f"not in {label}", overlap)
        if overlap >= t.overlap and not self.exhaustive:
            return Verdict(True, overlap=overlap)
        similarity = self.similarity(claim, source, best[:SIMILAR_SENTENCES])
        supported = t.accept(overlap, similarity)
        reason = "" if supported else f"not in {label}"
        return Verdict(supported, reason, overlap, similarity)

    def similarity(self, claim: str, source: Source, indexes: list[int]) -> float:
        """Cosine similarity of the claim and the closest of the given passage sentences, or of a
        stretch of the closest one between commas (a claim often restates part of a long one).

        Only the sentences sharing most words with the claim are embedded (one batch, cached), so
        the check stays cheap on the per-question path.
        """
        assert self.embedder is not None
        texts = [source.sentences[i] for i in indexes]
        texts += windows(texts[0]) if texts else []
        wanted = [claim] if claim not in self._claims else []
        wanted += [t for t in dict.fromkeys(texts) if t not in self._sentences]
        if wanted:
            vectors = np.asarray(self.embedder.embed(wanted), dtype=np.float32)
            if claim not in self._claims:
                self._claims[claim], vectors = vectors[0], vectors[1:]
            for text, vector in zip(wanted[len(wanted) - len(vectors) :], vectors, strict=True):
                self._sentences[text] = vector
        claim_vector = self._claims[claim]
        best = max((float(self._sentences[t] @ claim_vector) for t in texts), default=0.0)
        while len(self._sentences) > SENTENCE_CACHE:
            self._sentences.popitem(last=False)
        return best


PART_COVERAGE = 0.25  # a clause sharing less of its words with the passage is a new fact
# (fitted on the even rows of eval/claims.jsonl: faithful clauses share more, added facts less)


def uncovered_part(claim: str, known: set[str]) -> str:
    """A clause of the claim (two content words or more) the passage barely shares words with:
    an added fact ("a physicist by training", "built mainly by Boeing"), or "" if none. Links
    and what the sanitiser put in their place are not facts."""
    claim = re.sub(r"<?https?://\S+", " ", claim.replace(LINK_REMOVED, " "))
    for part in _PARTS.split(claim):
        terms = key_stems(part)
        if len(terms) >= 2 and len(terms & known) / len(terms) < PART_COVERAGE:
            return part.strip(" .")
    return ""


# A claim's parts: what punctuation or a coordinating conjunction sets apart (a subordinate
# clause stays with its sentence: "issues must be resolved before any new collaboration").
_PARTS = re.compile(r"\s*[,;:()—–]\s*|\s+(?:and|but|while|whereas)\s+", re.IGNORECASE)


WINDOW_WORDS = 6  # the shortest stretch of a sentence compared on its own
MAX_WINDOWS = 6  # stretches compared per claim
_PAUSE = re.compile(r"\s*[,;:—–]\s*")


def windows(sentence: str) -> list[str]:
    """Stretches of a long sentence between its commas, then each with its neighbour, at most
    `MAX_WINDOWS`: "formal discussions ... have yet to commence" of a sentence that says more."""
    parts = [p for p in _PAUSE.split(sentence) if p]
    if len(parts) < 2:
        return []
    spans = parts + [f"{a}, {b}" for a, b in pairwise(parts)]
    return [w for w in spans if len(w.split()) >= WINDOW_WORDS][:MAX_WINDOWS]


def _aligned(terms: set[str], source: Source) -> list[int]:
    """Indexes of the passage's sentences, most shared content words first."""
    scores = [len(terms & t) for t in source.terms]
    return sorted(range(len(scores)), key=lambda i: -scores[i])


def fact_failure(claim: str, evidence: Evidence, label: str) -> str:
    """The first number, date or name of `claim` that `evidence` lacks, as a reason ("" if none)."""
    for number in numbers_in(claim):
        if not evidence.has_value(number):
            return f"number {number.surface} not in {label}"
    for month in sorted(dates_in(claim) - evidence.months):
        return f"date {month.capitalize()} not in {label}"
    for name in names_in(claim):
        if not name_supported(name, evidence):
            return f"{name_kind(name, claim)} {name.surface} not in {label}"
    return ""


def name_supported(name: Name, evidence: Evidence) -> bool:
    """Every word of the name is in the passage, or the passage shortens a name its article
    spells out in full ("Marquardt" in the passage, "Ines Marquardt" in the article; but not
    "New York Democrat" where the passage says "California Democrat")."""
    missing = [w for w in name.words if not evidence.has_name_word(w)]
    if not missing:
        return True
    if len(missing) == len(name.words) or not evidence.context:
        return False
    return evidence.names_in_full(name.words)


def name_kind(name: Name, claim: str) -> str:
    """A best guess at what a name is: person, organisation, place (or just "name")."""
    low = [w.lower().rstrip(".") for w in name.words]
    before = words(claim[: max(0, claim.find(name.surface))])[-1:]
    if any(w in ORG_WORDS for w in low) or (len(low) == 1 and name.surface.isupper()):
        return "organisation"
    if before and before[0] in PLACE_WORDS:
        return "place"
    if (before and before[0] in PERSON_TITLES) or (
        2 <= len(low) <= 3 and all(w[:1].isupper() and w[1:].islower() for w in name.words)
    ):
        return "person"
    return "name"
