""" "Tell me more": read on in the article the last answer quoted.

A follow-up that asks for more ("tell me more", "go on", "what else?") asks no new question: the
reader wants what the article says next. Asked again, the question would find the same best
sentences, so the answer would repeat itself. Instead the sentences after the last one quoted
are quoted, from its passage and then the article's next passage. Whatever the conversation has
already shown is skipped. They are cited like any answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.answer.citations import MARKER, check_citations
from bot.answer.extractive import Pick, candidates, compose
from bot.answer.models import Answer, Passage
from bot.answer.sanitize import sanitize_answer
from bot.answer.small_talk import act_of
from ingest.index.language.sentences import split_sentences

if TYPE_CHECKING:
    from bot.answer.answering import Answerer

READ_ON = 2  # sentences quoted for one "more"
READ_ON_CHARS = 500
HOPS = 8  # passages walked forward from a retrieved one to find where the last quote was
READ_TO_END = "That is all the article says about it."

Turn = tuple[str, str]  # what was asked, what was answered


def read_on_answer(
    answerer: Answerer, question: str, history: Sequence[Turn], as_of: str
) -> Answer | None:
    """What the article says after the conversation's last quote, found by asking the
    conversation's last question again; None when no answer so far quoted an article."""
    asked = last_question(history)
    shown = shown_sentences(history)
    if asked is None or not shown:
        return None
    topic = answerer.standalone(history[asked][0], list(history[:asked]), as_of)
    retrieved = answerer.retrieve(topic, as_of)
    picks, passages = read_on(retrieved, answerer.retriever.following, shown)
    checked = check_citations(compose(picks), passages) if picks else None
    if checked is None or not checked.citations:
        return Answer(
            question, READ_TO_END, refused=False, mode=answerer.mode, as_of=as_of, small_talk="more"
        )
    return Answer(
        question=question,
        text=sanitize_answer(checked.text, passages),
        refused=False,
        mode="extractive",  # quoted, in either mode
        citations=checked.citations,
        retrieved=passages,
        searched=answerer.documents(),
        as_of=as_of,
    )


def last_question(history: Sequence[Turn]) -> int | None:
    """The index of the latest turn that asked a question (not for more, not small talk)."""
    for i in range(len(history) - 1, -1, -1):
        if act_of(history[i][0]) is None:
            return i
    return None


def shown_sentences(history: Sequence[Turn]) -> list[str]:
    """The article sentences the conversation's answers quoted, in order (markers removed)."""
    shown: list[str] = []
    for _, answer in history:
        if MARKER.search(answer):
            shown += [s.text for s in split_sentences(MARKER.sub("", answer))]
    return shown


def read_on(
    passages: Sequence[Passage],
    following: Callable[[Passage], Passage | None],
    shown: Sequence[str],
) -> tuple[list[Pick], list[Passage]]:
    """The next sentences after the last `shown` one, in the passage that holds it (one of
    `passages` or a later passage of its article, `following`) and the passage after that, and
    the passages they index; nothing when no passage holds it (the article changed) or the
    article says no more."""
    if not shown:
        return [], []
    last = _plain(shown[-1])
    start = _holding(last, passages, following)
    if start is None:
        return [], []
    chain = [start]
    if (after := following(start)) is not None:
        chain.append(after)
    quotable = candidates(chain)
    seen = {_plain(s) for s in shown}
    at = next((i for i, c in enumerate(quotable) if last in _plain(c.text)), len(quotable))
    picks: list[Pick] = []
    size = 0
    for candidate in quotable[at + 1 :]:
        if _plain(candidate.text) in seen:
            continue
        if len(picks) == READ_ON or (size + len(candidate.text) > READ_ON_CHARS and picks):
            break
        picks.append(Pick(candidate.text, candidate.passage_index, 0.0))
        size += len(candidate.text)
    return picks, chain


def _holding(
    sentence: str, passages: Sequence[Passage], following: Callable[[Passage], Passage | None]
) -> Passage | None:
    """The passage that holds `sentence`: a retrieved one, or one of the next `HOPS` passages
    of a retrieved one's article (an earlier "more" read on into them)."""
    for passage in passages:
        current: Passage | None = passage
        for _ in range(HOPS):
            if current is None:
                break
            if sentence in _plain(current.text):
                return current
            current = following(current)
    return None


_SPACE = re.compile(r"\s+")


def _plain(text: str) -> str:
    """`text` compared loosely: one space between words, no end punctuation."""
    return _SPACE.sub(" ", text).strip().rstrip(".!?\"'”’)").lower()
