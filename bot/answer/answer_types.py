"""What kind of thing a question asks for, and whether a sentence offers one.

Coarse on purpose: "number" (how many, what percentage), "date" (when, how soon), "name" (who,
where, or which/what + a noun for people, organisations and places) and "thing" for the rest.
A sentence offers an answer when it holds something of that kind the question does not already
contain: the question restated is not an answer.
"""

from __future__ import annotations

import re

from bot.answer.text import STOPWORDS, content_terms

_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|old|far|big|large|tall|high|fast)\b|"
    r"\bwhat (?:percentage|percent|number|share|amount|price|age|fraction)\b|\bamount\b"
)
_DATE_Q = re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bhow soon\b")
_NAME_Q = re.compile(r"\bwho(?:m|se)?\b|\bwhere\b")
_WHICH = re.compile(r"\b(?:which|what)\b((?:\s+[\w’'-]+){1,4})")
NAME_HEADS = frozenset(
    """person man woman individual official president politician leader lawmaker senator member
    billionaire celebrity star singer actor actress rapper musician golfer player athlete
    quarterback coach director visionary comedian author journalist judge company firm brand
    business retailer automaker carmaker airline newspaper network broadcaster studio team
    club league school university college country nation state city town county province
    region park island river continent agency organization organisation group party band
    bank""".split()  # noqa: SIM905
)

NUMBER = re.compile(
    r"\$?\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half)\b",
    re.IGNORECASE,
)
DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|"
    r"tomorrow|yesterday|next|soon|week|weeks|month|months|days)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'&.-]*")
_NOT_NAMES = frozenset(
    """The A An In On At But And Or It He She They We This That These Those His Her Their Its
    If As For When While After Before By From With Of To""".split()  # noqa: SIM905
)


def answer_type(question: str) -> str:
    """ "number", "date", "name" or "thing"."""
    q = question.lower()
    if _NUMBER_Q.search(q):
        return "number"
    if _DATE_Q.search(q):
        return "date"
    if _NAME_Q.search(q):
        return "name"
    for match in _WHICH.finditer(q):
        for raw in match.group(1).split():
            word = raw.strip("’'").removesuffix("’s").removesuffix("'s")
            if word in NAME_HEADS or word.removesuffix("s") in NAME_HEADS:
                return "name"
    return "thing"


def novelty(kind: str, sentence: str, question_terms: set[str], question_lower: str) -> float:
    """0..1: how much the sentence offers an answer of `kind` not already in the question."""
    if kind == "number":
        found = [n for n in NUMBER.findall(sentence) if n.lower() not in question_lower]
    elif kind == "date":
        found = [d for d in DATE.findall(sentence) if d.lower() not in question_lower]
    elif kind == "name":
        found = [
            w
            for w in _CAPITALISED.findall(sentence)
            if w not in _NOT_NAMES
            and w.lower().strip("’'s.") not in question_lower
            and w.lower() not in STOPWORDS
        ]
    else:
        new = content_terms(sentence) - question_terms
        return min(len(new), 4) / 4
    return 1.0 if found else 0.0
