"""Small text helpers shared by retrieval, answering and citation checks."""

from __future__ import annotations

import re
from functools import cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves said says say according new one two week weeks year years day
    days month months time recently latest last this next first many much people percent""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NUMBER = re.compile(r"\d[\d,.]*")


@cache
def stem(word: str) -> str:
    """A light stemmer: enough to match plurals and simple verb forms."""
    for suffix in ("'s", "’s", "ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "ies":
                return word[:-3] + "y"
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]


def content_terms(text: str) -> set[str]:
    """Stemmed words that carry meaning (no stopwords)."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


@cache
def _stop_stems() -> frozenset[str]:
    from ingest.index.lexical import stem as index_stem

    return frozenset(index_stem(w) for w in STOPWORDS)


def key_terms_many(texts: list[str]) -> list[list[str]]:
    """The BM25 index's tokens of each text, without question words and news boilerplate."""
    from ingest.index.lexical import terms

    stop = _stop_stems()
    return [[t for t in tokens if t not in stop] for tokens in terms(texts)]


def key_terms(text: str) -> list[str]:
    """The BM25 index's tokens of `text`, without question words and news boilerplate."""
    return key_terms_many([text])[0]


def numbers(text: str) -> set[str]:
    """Numbers in `text`, normalised ("1,200" -> "1200")."""
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def overlap(claim: str, evidence: str) -> float:
    """Share of the claim's content terms that the evidence contains (0..1)."""
    terms = content_terms(claim)
    if not terms:
        return 0.0
    return len(terms & content_terms(evidence)) / len(terms)
