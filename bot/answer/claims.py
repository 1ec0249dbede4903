"""Decide, claim by claim, what of a model's answer may be posted.

Each claim (see `grammar.parse_answer`) is checked against the passages it cites (see `support`):
- kept: a cited passage supports it;
- re-cited: no cited passage does, but another retrieved passage does (models often cite [1] for
  a fact in [2]); it is posted citing that passage;
- removed: no passage supports it; the reason says what failed ("number 2035 not in [1]",
  "place Spain not in [1]", "negation").
The decisions are logged at INFO and listed in `ask --json` (`claims`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from bot.answer.grammar import ParsedClaim, is_meta
from bot.answer.models import Passage
from bot.answer.support import Checker, Source
from ingest.index.language.tokens import key_stems

log = logging.getLogger(__name__)

Decision = Literal["kept", "re-cited", "removed"]


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """One claim and what happened to it."""

    claim: ParsedClaim
    decision: Decision
    sources: tuple[int, ...]  # the passages (1-based) it is posted citing; () when removed
    reason: str

    def to_dict(self, renumber: dict[int, int] | None = None) -> dict[str, Any]:
        """The `ask --json` claim object (`citations` in the posted answer's numbering)."""
        numbers = renumber or {}
        return {
            "claim": self.claim.text,
            "cited": list(self.claim.cited),
            "citations": list(dict.fromkeys(numbers.get(n, n) for n in self.sources)),
            "decision": self.decision,
            "reason": self.reason,
        }


def sources_for(passages: list[Passage]) -> list[Source]:
    """Each passage as evidence: text, title and metadata; the rest of its article as context.

    Passages recur across questions, so their parsed facts are kept (a bounded cache).
    """
    out = []
    for passage in passages:
        meta = "\n".join(x for x in (passage.headline, passage.source, passage.published_date) if x)
        context = " ".join(p.text for p in passages if p.doc_id == passage.doc_id and p != passage)
        out.append(_source(passage.text, meta, f"{passage.headline} {context}"))
    return out


@lru_cache(maxsize=1024)
def _source(text: str, meta: str, context: str) -> Source:
    return Source.of(text, meta=meta, context=context)


def review(
    claims: list[ParsedClaim], passages: list[Passage], checker: Checker
) -> list[ClaimDecision]:
    """Keep, re-cite or remove each claim."""
    sources = sources_for(passages)
    decisions = [_decide(claim, sources, checker) for claim in claims]
    for d in decisions:
        log.info(
            "claim %s%s: %r cited %s%s",
            d.decision,
            f" to {list(d.sources)}" if d.decision == "re-cited" else "",
            d.claim.text[:120],
            list(d.claim.cited),
            f" ({d.reason})" if d.reason else "",
        )
    return decisions


def _decide(claim: ParsedClaim, sources: list[Source], checker: Checker) -> ClaimDecision:
    cited = [n for n in dict.fromkeys(claim.cited) if 1 <= n <= len(sources)]
    reasons: list[str] = []
    kept: list[int] = []
    for n in cited:
        verdict = checker.check(claim.text, sources[n - 1], f"[{n}]")
        if verdict.supported:
            kept.append(n)
        else:
            reasons.append(verdict.reason)
    if kept:
        return ClaimDecision(claim, "kept", tuple(kept), "")
    for n in range(1, len(sources) + 1):
        if n not in cited and checker.check(claim.text, sources[n - 1], f"[{n}]").supported:
            why = f"{reasons[0]}; supported by [{n}]" if reasons else f"supported by [{n}]"
            return ClaimDecision(claim, "re-cited", (n,), why)
    if reasons:
        return ClaimDecision(claim, "removed", (), reasons[0])
    why = "cites no given source" if claim.cited else "no source cited or supporting it"
    return ClaimDecision(claim, "removed", (), why)


def says_something(decision: ClaimDecision, question: str) -> bool:
    """A posted claim must add to the question: not only markers, meta talk or a restatement."""
    text = decision.claim.text
    if is_meta(text):
        return False
    return not key_stems(text) <= key_stems(question)
