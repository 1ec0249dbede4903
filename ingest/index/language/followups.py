"""Resolve a follow-up question against the previous turn's topic, without a language model.

"and where will it be built?" after "when does the new electric Micra go on sale?" is about the
Micra: a follow-up that refers back (a pronoun, "and ...", "what about ...", or too few words of
its own) gets the previous question's most informative content words added, instead of the whole
previous question (which drags its question word and answer type along).
"""

from __future__ import annotations

import re

from ingest.index.language.rarity import background_weight
from ingest.index.language.tokens import key_terms

_REFERS_BACK = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|and what about)\b|"
    r"\b(?:it|its|it's|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|"
    r"there|then|the same|the other)\b",
    re.IGNORECASE,
)
TOPIC_WORDS = 4
OWN_TOPIC = 1.2  # a follow-up whose own key words weigh this much stands on its own
MIN_WEIGHT = 0.2  # topic words are informative ones, not "go" or "make"


def resolve_followup(question: str, previous: list[str]) -> str:
    """`question`, with the topic words of the previous questions it refers back to."""
    if not previous:
        return question
    own = key_terms(question)
    own_weight = sum(background_weight(t.word) for t in own)
    if not _REFERS_BACK.search(question) and own_weight >= OWN_TOPIC:
        return question
    have = {t.stem for t in own}
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
    return f"{question} ({' '.join(chosen)})" if chosen else question
