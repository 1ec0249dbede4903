"""Resolve a follow-up question against the previous turn's topic, without a language model.

"and where will it be built?" after "when does the new electric Micra go on sale?" is about the
Micra: a follow-up that does not stand alone (`stands_alone`) gets the previous question's most
informative content words added, instead of the whole previous question (which drags its
question word and answer type along). What the previous answer named comes first: "what
company does he run" after "who passed Bill Gates?" is about the person that answer named, not
about Bill Gates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def stands_alone(question: str) -> bool:
    """Whether `question` may be a question of its own: it does not refer back ("it", "and
    ...", "what about") and has enough informative words to name a topic."""
    own_weight = sum(background_weight(t.word) for t in key_terms(question))
    return not _REFERS_BACK.search(question) and own_weight >= OWN_TOPIC


def resolve_followup(question: str, previous: list[str], answered: Sequence[str] = ()) -> str:
    """`question`, with the topic words of the previous questions; `answered`: what the previous
    answer named (a person, a place), which comes first."""
    if not previous:
        return question
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
