""" "Tell me more": read on in the article the conversation's answer quoted.

A follow-up that asks for more ("tell me more", "go on", "what else?") asks no new question: the
reader wants what the article says next. Asked again, the question would find the same best
sentences, so the answer would repeat itself. Instead the conversation keeps where it is
(`Reading`): the passage of the answer's first source (of a read-on answer, its last) and its
quote, verbatim from the article whatever the answer's wording (an LLM's paraphrase, a cleaned
link). The next sentences after that quote are quoted, walking on into the article's next
passages, skipping any sentence the conversation has quoted already, and cited as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answer.citations import check_citations
from bot.answer.extractive import Candidate, Pick, candidates, compose
from bot.answer.models import Answer, Passage
from bot.answer.sanitize import sanitize_answer
from ingest.index.language.sentences import split_sentences

if TYPE_CHECKING:
    from bot.answer.answering import Answerer

READ_ON = 2  # sentences quoted for one "more"
READ_ON_CHARS = 500
HOPS = 8  # passages walked on past the quote's, at most, to find sentences to quote
KEY_CHARS = 60  # sentences are told apart by their first characters (quotes may be trimmed)
READ_TO_END = "That is all the article says about it."
CHANGED = "The article that answer quoted has changed since, so I can't read on; ask again."


@dataclass(frozen=True, slots=True)
class Reading:
    """Where "tell me more" reads on: after `quote` in the passage `chunk_id`, skipping the
    sentences already quoted in the conversation (`shown`, by `_key`)."""

    chunk_id: str
    quote: str
    shown: frozenset[str] = frozenset()


def reading_after(answer: Answer, before: Reading | None) -> Reading | None:
    """Where a "tell me more" after `answer` reads on: after its first source's quote, or its
    last source's for a read-on answer; where it was before for an answer that quotes nothing
    (a refusal, small talk)."""
    if answer.refused or not answer.citations:
        return before
    cited = answer.citations[-1] if answer.read_on else answer.citations[0]
    quoted = {_key(s) for c in answer.citations for s in _sentences(c.quote)}
    return Reading(cited.chunk_id, cited.quote, (before.shown if before else frozenset()) | quoted)


def read_on(
    start: Passage, following: Callable[[Passage], Passage | None], reading: Reading
) -> tuple[list[Pick], list[Passage]] | None:
    """The sentences after `reading`'s quote in `start` and the article's next passages, and
    the passages they index; None when `start` no longer holds the quote."""
    quote = {_key(s) for s in _sentences(reading.quote)}
    chain = [start]
    quotable = candidates(chain)
    at = max((i for i, c in enumerate(quotable) if _key(c.text) in quote), default=None)
    if at is None:
        return None
    picks: list[Pick] = []
    while True:
        picks = _next(quotable[at + 1 :], reading.shown)
        after = following(chain[-1]) if len(chain) <= HOPS else None
        if len(picks) == READ_ON or after is None:
            return picks, chain
        chain.append(after)
        quotable = candidates(chain)  # overlapping passages repeat sentences: listed once


def read_on_answer(answerer: Answerer, question: str, reading: Reading, as_of: str) -> Answer:
    """The answer that reads on from `reading` (`READ_TO_END` at the article's end)."""
    start = answerer.retriever.passage(reading.chunk_id)
    found = read_on(start, answerer.retriever.following, reading) if start else None
    if found is None or not found[0]:
        text = CHANGED if found is None else READ_TO_END
        return Answer(
            question, text, refused=False, mode=answerer.mode, as_of=as_of, small_talk="more"
        )
    picks, passages = found
    checked = check_citations(compose(picks), passages)
    return Answer(
        question=question,
        text=sanitize_answer(checked.text, passages),
        refused=False,
        mode="extractive",  # quoted, in either mode
        citations=checked.citations,
        retrieved=passages,
        searched=answerer.documents(),
        as_of=as_of,
        read_on=True,
    )


def _next(quotable: list[Candidate], shown: frozenset[str]) -> list[Pick]:
    """Up to `READ_ON` sentences of `quotable` that were not `shown`, within `READ_ON_CHARS`."""
    picks: list[Pick] = []
    size = 0
    for candidate in quotable:
        if _key(candidate.text) in shown:
            continue
        if len(picks) == READ_ON or (picks and size + len(candidate.text) > READ_ON_CHARS):
            break
        picks.append(Pick(candidate.text, candidate.passage_index, 0.0))
        size += len(candidate.text)
    return picks


def _sentences(quote: str) -> list[str]:
    """The sentences of a citation's quote (its parts are joined by " … ")."""
    return [s.text for part in quote.split(" … ") for s in split_sentences(part)]


_SPACE = re.compile(r"\s+")


def _key(sentence: str) -> str:
    """How a sentence is told apart: its first `KEY_CHARS` characters, loosely (one space
    between words, lower case, no trimming mark)."""
    return _SPACE.sub(" ", sentence).strip().rstrip("…").lower()[:KEY_CHARS]
