"""Turn a model's checked answer into what is posted (LLM mode).

The answer is read into claims in any citation style, each claim is kept, re-cited or removed
(`claims.review`), and what survives is written in one canonical style (`claim [1].`). The model's
answer is not posted when nothing of it is left that says something (only markers, only talk
about the sources, only the question restated) or when its main claim (the first) was removed:
the quoted answer is given instead, through the extractive path's own answerability decision, so
it refuses rather than quote something unrelated.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from bot.answer.citations import render
from bot.answer.claims import ClaimDecision, review, says_something
from bot.answer.grammar import parse_answer
from bot.answer.models import Answer, Passage
from bot.answer.support import Checker

if TYPE_CHECKING:
    from bot.answer.answering import Answerer

log = logging.getLogger(__name__)

UNVERIFIED_NOTICE = (
    "The model's answer could not be matched to the sources, so this answer quotes them directly."
)
REMOVED_NOTICE = "Statements with no supporting source were removed."


_CHECKERS: WeakKeyDictionary[Any, Checker] = WeakKeyDictionary()


def checker_for(answerer: Answerer) -> Checker:
    """The answerer's claim checker (over its loaded embedder), fresh for a new answer."""
    checker = _CHECKERS.get(answerer)
    if checker is None or checker.embedder is not answerer.embedder:
        checker = _CHECKERS[answerer] = Checker(answerer.embedder)
    return checker.fresh()


def llm_answer(
    answerer: Answerer, question: str, raw: str, passages: list[Passage], as_of: str
) -> Answer:
    """Post the model's answer as far as the passages support it, else the quoted answer."""
    decisions = review(parse_answer(raw), passages, checker_for(answerer))
    posted = [d for d in decisions if d.decision != "removed"]
    substantive = [d for d in posted if says_something(d, question)]
    main_removed = bool(decisions) and decisions[0].decision == "removed"
    if not substantive or main_removed:
        log.info(
            "LLM answer not posted (%s); quoting the sources instead",
            "main claim removed" if main_removed else "no claim left",
        )
        answer = answerer.extractive(question, passages, as_of)
        if not answer.refused:  # and whether the quote itself may not answer (`UNSURE`)
            answer.notice = " ".join(n for n in (UNVERIFIED_NOTICE, answer.notice) if n)
        answer.claims = [d.to_dict() for d in decisions]
        return answer
    shown = render(
        [(d.claim.text, d.sources, d.claim.block, d.claim.bullet) for d in posted], passages
    )
    return Answer(
        question=question,
        text=shown.text,
        refused=False,
        mode="llm",
        citations=shown.citations,
        retrieved=passages,
        notice=REMOVED_NOTICE if len(posted) < len(decisions) else "",
        searched=answerer.documents(),
        as_of=as_of,
        claims=[d.to_dict(shown.renumber) for d in decisions],
    )


def removed(decisions: list[ClaimDecision]) -> list[ClaimDecision]:
    """The claims that were taken out."""
    return [d for d in decisions if d.decision == "removed"]
