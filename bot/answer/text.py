"""Small text helpers for retrieval and citation checks, over the shared language layer.

Words, stems and stopwords come from `ingest.index.language.tokens` (Snowball stems, the BM25
index's own tokens), so the citation check, relevance and BM25 compare the same units.
"""

from __future__ import annotations

import re

from ingest.index.language.tokens import QUESTION_WORDS, key_stems, stem, terms_many

STOPWORDS = QUESTION_WORDS
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_NUMBER = re.compile(r"\d[\d,.]*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophe words kept whole: "Honda's")."""
    return [w.lower() for w in _WORD.findall(text)]


def content_terms(text: str) -> set[str]:
    """Snowball stems of the words that carry meaning (no stopwords, no possessive 's)."""
    out = set()
    for word in words(text):
        bare = word.removesuffix("'s").removesuffix("’s")
        if bare not in STOPWORDS and len(bare) > 1:
            out.add(stem(bare))
    return out


def key_terms_many(texts: list[str]) -> list[list[str]]:
    """The BM25 index's tokens of each text, without question words and news boilerplate."""
    stop = {stem(w) for w in STOPWORDS}
    return [[t for t in tokens if t not in stop] for tokens in terms_many(texts)]


def key_terms(text: str) -> list[str]:
    """The BM25 index's tokens of `text`, without question words and news boilerplate."""
    return key_terms_many([text])[0]


def numbers(text: str) -> set[str]:
    """Numbers in `text`, normalised ("1,200" -> "1200")."""
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def overlap(claim: str, evidence: str) -> float:
    """Share of the claim's content terms that the evidence contains (0..1)."""
    found = content_terms(claim)
    if not found:
        return 0.0
    return len(found & content_terms(evidence)) / len(found)


__all__ = ["STOPWORDS", "content_terms", "key_stems", "key_terms", "numbers", "overlap", "words"]
