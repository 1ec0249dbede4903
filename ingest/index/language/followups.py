"""Resolve a follow-up question against the previous turn's topic, without a language model.

"and where will it be built?" after "when does the new electric Micra go on sale?" is about the
Micra: a follow-up that does not stand alone (`stands_alone`) gets the previous question's most
informative content words added, instead of the whole previous question (which drags its
question word and answer type along). What the previous answer named comes first: "what
company does he run" after "who passed Bill Gates?" is about the person that answer named, not
about Bill Gates. An elliptical follow-up, which only names something ("what about bill
daley?" after "how much money did lori lightfoot raise?"), asks what the previous question asked:
it takes that question's asking words ("how much money"), so it wants the same kind of answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.index.language.rarity import background_weight
from ingest.index.language.tokens import key_terms, spell_question_words

_REFERS_BACK = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|and what about)\b|"
    r"\b(?:it|its|it's|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|"
    r"there|then|the same|the other)\b",
    re.IGNORECASE,
)
# "what about bill daley?", "and the kids under 5?": no question of its own (`elliptical`)
_ELLIPSIS = re.compile(
    r"^\s*(?:(?:and|but|so|ok|okay)\s+)?(?:what|how)\s+about\s+(?P<about>.+)|^\s*and\s+(?P<and>.+)",
    re.IGNORECASE | re.DOTALL,
)
_AUXILIARY = (
    r"(?:is|are|was|were|am|be|do|does|did|has|have|had|will|would|can|could|should|may|might)"
)
_ASKS = re.compile(rf"\b(?:what|who|whom|whose|when|where|which|why|how)\b|^\s*{_AUXILIARY}\b")
# What the previous question asks, up to its question word and the word that says what it wants:
# "how much money", "what dose", "which team", "who".
_FRAME = re.compile(
    rf"^.*?\b(?:how\s+(?:much|many|long|old|far|big|often|fast|high|tall)|what|which)"
    rf"(?:\s+(?!{_AUXILIARY}\b|the\b|a\b)[a-z]+)?\b|^.*?\b(?:who|whom|whose|when|where|why)\b",
    re.IGNORECASE,
)
TOPIC_WORDS = 4
OWN_TOPIC = 1.2  # a follow-up whose own key words weigh this much stands on its own
MIN_WEIGHT = 0.2  # topic words are informative ones, not "go" or "make"


def stands_alone(question: str) -> bool:
    """Whether `question` may be a question of its own: it does not refer back ("it", "and
    ...", "what about") and has enough informative words to name a topic."""
    own_weight = sum(background_weight(t.word) for t in key_terms(question))
    return not _REFERS_BACK.search(question) and own_weight >= OWN_TOPIC


def elliptical(question: str) -> str | None:
    """What an elliptical follow-up names ("bill daley" in "what about bill daley?", "the kids
    under 5" in "and the kids under 5?"), or None for a question that asks something itself."""
    match = _ELLIPSIS.match(spell_question_words(question))
    if match is None:
        return None
    rest = (match.group("about") or match.group("and")).strip()
    return None if _ASKS.search(rest) else rest


def resolve_followup(question: str, previous: list[str], answered: Sequence[str] = ()) -> str:
    """`question`, with the topic words of the previous questions; `answered`: what the previous
    answer named (a person, a place), which comes first. An elliptical follow-up (`elliptical`)
    asks what the previous question asked about what it names: "what about bill daley?" after
    "how much money did lori lightfoot raise?" becomes "how much money: bill daley? (...)"."""
    if not previous:
        return question
    named_here = elliptical(question)
    frame = _FRAME.match(spell_question_words(previous[-1]))
    if named_here is not None and frame is not None:
        question = f"{frame.group(0).strip()}: {named_here}"
    have = {t.stem for t in key_terms(question)}
    named: list[str] = []
    for term in (t for name in answered for t in key_terms(name)):
        if term.stem not in have:
            have.add(term.stem)
            named.append(term.word)
    chosen: list[str] = []
    for turn in reversed(previous):  # the latest turn first; older ones fill what it lacks
        topic = [
            t
            for t in key_terms(turn)
            if t.stem not in have and background_weight(t.word) > MIN_WEIGHT
        ]
        topic.sort(key=lambda t: background_weight(t.word), reverse=True)
        for term in topic[: TOPIC_WORDS - len(chosen)]:
            have.add(term.stem)
            chosen.append(term.word)
        if len(chosen) >= TOPIC_WORDS:
            break
    words = named + chosen
    return f"{question} ({' '.join(words)})" if words else question
