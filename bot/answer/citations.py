"""Check every `[n]` in an answer against the passage it cites, then renumber.

Per claim: each sentence of the answer keeps only the citations whose passage supports it
(enough of its content words, and every number it states, are in the passage). Citations are then
renumbered 1..m in order of first use, so the answer and the source list always agree: every `[n]`
has a citation and every citation is used. The quote shown for a citation is the sentence of the
passage that best supports what was said (one per claim, joined with "…", when a source backs
several claims).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer.models import Citation, Passage
from bot.answer.sentences import split_sentences
from bot.answer.text import content_terms, numbers, overlap

MARKER = re.compile(r"\s*\[(\d{1,3})\]")
MIN_SUPPORT = 0.5
QUOTE_LIMIT = 400


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    """An answer after the citation check."""

    text: str
    citations: list[Citation]
    unsupported: list[str]  # sentences with no supporting citation
    dropped: int  # citation markers removed (out of range or unsupported)


def supports(claim: str, evidence: str, *, min_support: float = MIN_SUPPORT) -> bool:
    """True if `evidence` backs `claim`: shared content words and every stated number."""
    claim_numbers = numbers(claim)
    if claim_numbers and not claim_numbers <= numbers(evidence):
        return False
    if not content_terms(claim):
        return True  # nothing checkable ("Yes.")
    return overlap(claim, evidence) >= min_support


def best_quote(claim: str, passage: Passage, *, limit: int = QUOTE_LIMIT) -> str:
    """The passage sentence(s) that best support `claim`, trimmed to `limit` characters."""
    sentences = split_sentences(passage.text)
    if not sentences:
        return passage.text[:limit]
    flat = " ".join(claim.split())
    for sentence in sentences:
        if flat and flat in " ".join(sentence.text.split()):
            return trim(sentence.text, limit)  # a quoted sentence is its own best support
    terms = content_terms(claim)
    best = max(sentences, key=lambda s: len(terms & content_terms(s.text)))
    return trim(best.text, limit)


def trim(text: str, limit: int) -> str:
    """Cut `text` at a word boundary to at most `limit` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def check_citations(
    answer: str, passages: list[Passage], *, min_support: float = MIN_SUPPORT
) -> CheckedAnswer:
    """Verify and renumber the `[n]` markers of `answer` (numbers index `passages` from 1)."""
    renumber: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    unsupported: list[str] = []
    dropped = 0
    out: list[str] = []
    for sentence in split_sentences(answer):
        claim = MARKER.sub("", sentence.text).strip()
        cited = [int(m) for m in MARKER.findall(sentence.text)]
        kept: list[int] = []
        for n in cited:
            if not 1 <= n <= len(passages) or n in kept:
                dropped += 1
                continue
            if not supports(claim, passages[n - 1].text, min_support=min_support):
                dropped += 1
                continue
            kept.append(n)
        if not kept and content_terms(claim):
            unsupported.append(claim)
        labels = _cite(claim, kept, passages, renumber, quotes)
        out.append(_attach(claim, "".join(labels)))
    citations = build_citations(renumber, quotes, passages)
    return CheckedAnswer(" ".join(s for s in out if s), citations, unsupported, dropped)


def _cite(
    claim: str,
    sources: Sequence[int],
    passages: list[Passage],
    renumber: dict[int, int],
    quotes: dict[int, list[str]],
) -> list[str]:
    """The labels of `claim`'s `sources` (passage numbers, 1-based), numbered by first use, and
    the evidence each shows. Passages of one article (and page) share a number: two sentences
    of one story are one source, [1], not [1] and [2] with the same title."""
    labels: list[str] = []
    for n in sources:
        if n not in renumber:
            same = next((m for m in renumber if _one_source(passages[m - 1], passages[n - 1])), 0)
            renumber[n] = renumber[same] if same else len(set(renumber.values())) + 1
        number = renumber[n]
        quote = best_quote(claim, passages[n - 1])
        if quote not in quotes.setdefault(number, []):
            quotes[number].append(quote)  # every claim a source backs shows its own evidence
        if f"[{number}]" not in labels:
            labels.append(f"[{number}]")
    return labels


def _one_source(a: Passage, b: Passage) -> bool:
    return a.doc_id == b.doc_id and a.page == b.page


def build_citations(
    renumber: dict[int, int], quotes: dict[int, list[str]], passages: list[Passage]
) -> list[Citation]:
    """The numbered sources: passage n (1-based) is `[renumber[n]]`; number k quotes
    `quotes[k]` and takes its link and page from the first passage numbered k."""
    citations: list[Citation] = []
    for n, number in renumber.items():
        if any(c.n == number for c in citations):
            continue  # another passage of the same article
        passage = passages[n - 1]
        also = tuple(
            dict.fromkeys(
                passages[m - 1].chunk_id
                for m, k in renumber.items()
                if k == number and passages[m - 1].chunk_id != passage.chunk_id
            )
        )
        citations.append(
            Citation(
                n=number,
                doc_id=passage.doc_id,
                chunk_id=passage.chunk_id,
                title=passage.title,
                url=passage.url,
                published_date=passage.published_date,
                quote=trim(" … ".join(quotes[number]), QUOTE_LIMIT * len(quotes[number])),
                path=passage.path,
                page=passage.page,
                also=also,
            )
        )
    return citations


@dataclass(frozen=True, slots=True)
class Posted:
    """The claims that survived, in one canonical style (`claim [1].`), and their sources."""

    text: str
    citations: list[Citation]
    renumber: dict[int, int]  # passage number (1-based) -> its number in the posted answer


def render(claims: list[tuple[str, tuple[int, ...], int, bool]], passages: list[Passage]) -> Posted:
    """Write (text, passage numbers, block, bullet) claims as `claim [1].`, numbered by first use.

    Claims of one paragraph are joined by spaces; list items stay list items ("- claim [1]").
    """
    renumber: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    blocks: list[tuple[bool, list[str]]] = []
    last_block: int | None = None
    for text, sources, block, bullet in claims:
        labels = _cite(text, sources, passages, renumber, quotes)
        sentence = _attach(text, "".join(labels))
        if block != last_block:
            blocks.append((bullet, []))
            last_block = block
        blocks[-1][1].append(sentence)
    lines = [f"- {' '.join(parts)}" if bullet else " ".join(parts) for bullet, parts in blocks]
    joined = "".join(
        (("\n" if bullet and i and blocks[i - 1][0] else "\n\n") if i else "") + line
        for i, ((bullet, _), line) in enumerate(zip(blocks, lines, strict=True))
    )
    return Posted(joined, build_citations(renumber, quotes, passages), renumber)


def _attach(claim: str, labels: str) -> str:
    """Put citation labels before the sentence's final punctuation: "…in 2040 [1]."."""
    if not labels:
        return claim
    match = re.search(r"[.!?]+[\"'”’)]*$", claim)
    if match is None:
        return f"{claim} {labels}"
    return f"{claim[: match.start()]} {labels}{claim[match.start() :]}"
