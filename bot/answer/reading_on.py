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
from bot.answer.extractive import Pick, candidates, compose
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
    """Where "tell me more" reads on: after the sentence `after` in the passage `chunk_id`,
    skipping the sentences already quoted in the conversation (`shown`, by `_key`)."""

    chunk_id: str
    after: str
    shown: frozenset[str] = frozenset()


def reading_after(answer: Answer, before: Reading | None) -> Reading | None:
    """Where a "tell me more" after `answer` reads on: after the first part of its first
    source's quote (the best sentence: what it quoted besides is skipped as shown), or after the
    last part of its last source's for a read-on answer; where it was before for an answer that
    quotes nothing (a refusal, small talk)."""
    if answer.refused or not answer.citations:
        return before
    cited = answer.citations[-1] if answer.read_on else answer.citations[0]
    parts = _parts(cited.quote)
    if not parts:
        return before
    quoted = {_key(s) for c in answer.citations for s in _parts(c.quote)}
    shown = (before.shown if before else frozenset()) | quoted
    return Reading(cited.chunk_id, parts[-1] if answer.read_on else parts[0], shown)


def read_on(
    start: Passage, following: Callable[[Passage], Passage | None], reading: Reading
) -> tuple[list[Pick], list[Passage]] | None:
    """The sentences after `reading.after` in `start` (or in one of the next `HOPS` passages:
    one source may quote two passages of its article), then in the article's next passages, and
    the passages they index; None when none of them holds that sentence."""
    anchor = _key(reading.after)
    at = None
    for _ in range(HOPS + 1):
        sentences = [s.text for s in split_sentences(start.text)]
        at = next((i for i, s in enumerate(sentences) if anchor in _plain(s)), None)
        if at is not None:
            break
        if (after := following(start)) is None:
            return None
        start = after
    if at is None:
        return None
    quotable = {c.text for c in candidates([start])}
    stream = [s for s in sentences[at + 1 :] if s in quotable]
    chain = [start]
    seen = set(reading.shown) | {_key(s) for s in sentences[: at + 1]}
    picks: list[Pick] = []
    size = 0
    while True:
        for sentence in stream:
            key = _key(sentence)
            if key in seen:
                continue  # quoted before, or repeated by overlapping passages
            seen.add(key)
            if picks and size + len(sentence) > READ_ON_CHARS:
                return picks, chain
            picks.append(Pick(sentence, len(chain) - 1, 0.0))
            size += len(sentence)
            if len(picks) == READ_ON:
                return picks, chain
        after = following(chain[-1]) if len(chain) <= HOPS else None
        if after is None:
            return picks, chain
        chain.append(after)
        stream = [c.text for c in candidates([after])]


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


def _parts(quote: str) -> list[str]:
    """The parts of a citation's quote, in order: each claim's evidence, joined by " … "."""
    return [part.strip() for part in quote.split(" … ") if part.strip()]


_SPACE = re.compile(r"\s+")


def _plain(text: str) -> str:
    """`text` compared loosely: one space between words, lower case, no trimming mark."""
    return _SPACE.sub(" ", text).strip().rstrip("…").strip().lower()


def _key(sentence: str) -> str:
    """How a sentence is told apart: its first `KEY_CHARS` characters, loosely."""
    return _plain(sentence)[:KEY_CHARS]
