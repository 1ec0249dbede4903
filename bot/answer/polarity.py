"""Polarity: whether a claim and the passage it restates are negated alike.

Negations ("not", "never", "yet to", "failed to", "declined"), reversing verbs ("abandoned",
"dropped", "cancelled", "halted", "voted down") and opposites ("admitted" / "denied", "keep" /
"stop") are compared word by word: each content word the claim shares with the passage must be
negated on both sides or on neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer.facts import word_set
from bot.answer.text import content_terms, words

NEGATORS = word_set(
    """not no never cannot without none nobody nothing neither nor yet failed fail fails failing
    declined declines decline declining denied denies deny denying refused refuses refuse
    refusing unable lack lacks lacked missed misses miss undisclosed unless"""
)
# Reversing verbs: "abandoned", "scrapping", "shelves", "voted down" reverse what follows.
REVERSER = re.compile(
    r"(?:abandon|dropp?|cancel|scrap|halt|reject|stopp?|suspend|withdr[ae]w|revers|ditch|shelv"
    r"|eliminat|abolish|paus|veto|revok|repeal|outlaw|stall)\w*|bann?(?:s|ed|ing)?"
)
_PHRASE_REVERSER = frozenset({"voted down", "vote down", "turned down", "turn down"})
# Opposites that flip a claim ("admitted" where the passage says "denied"); `*` ends a prefix.
OPPOSITES = tuple(
    tuple(side.split("|") for side in pair.split("/"))
    for pair in """admit*/den*|deny* approv*/reject*|veto* sign|signs|signed|signing/veto*
    accept*/reject*|refus* agree*|offer*/refus*|declin* confirm*/den*|declin*
    win|wins|won|winning/lose|loses|lost|losing
    rise|rises|rose|rising/fall|falls|fell|falling increas*/decreas*
    gain*/lose|loses|lost|losing join*/leav*|left stay*/leav*|resign* keep*|kept/stop*
    support*/oppos* pass|passed/fail* allow*/block* buy*|bought/sell*|sold
    expand*/ban|bans|banned|banning lift*/impos* resum*/suspend* continu*/stopp*
    includ*/exclud* guilty/innocent acquit*/convict* defend*/criticiz*|kill*|scrap*|remov*
    surviv*/die|died|dies alive/dead""".split()  # noqa: SIM905
)


def cue_flags(words: list[str]) -> list[bool]:
    """Which lower-cased `words` are negations or reversing verbs ("not yet" counts once)."""
    flags: list[bool] = []
    previous = ""
    for i, word in enumerate(words):
        negates = word in NEGATORS or word.endswith(("n't", "n’t"))
        if word == "yet" and flags and flags[-1]:
            negates = False  # "not yet", "haven't yet": one negation
        if word == "not" and i + 1 < len(words) and words[i + 1] == "only":
            negates = False
        reverses = bool(REVERSER.fullmatch(word)) and not _decrease(words, i)
        flags.append(negates or reverses or f"{previous} {word}" in _PHRASE_REVERSER)
        previous = word
    return flags


def polarity_count(words: list[str]) -> int:
    """How many negations and reversing verbs lower-cased `words` hold."""
    return sum(cue_flags(words))


def _decrease(words: list[str], i: int) -> bool:
    """ "dropped 67%", "dropped by", "dropped to": a fall in a quantity, not a reversal."""
    if not words[i].startswith("drop"):
        return False
    after = words[i + 1 : i + 3]
    return any(
        w[:1].isdigit() or w in {"by", "to", "from", "over", "below", "sharply"} for w in after
    )


def opposed(claim_words: list[str], evidence_words: list[str]) -> bool:
    """The claim says one of a pair of opposites ("admitted") and the passage the other."""
    claim, evidence = set(claim_words), set(evidence_words)
    for a, b in OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if (
                _has(claim, x)
                and _has(evidence, y)
                and not _has(evidence, x)
                and not _has(claim, y)
            ):
                return True
    return False


def _has(words: set[str], terms: Sequence[str]) -> bool:
    for term in terms:
        if term.endswith("*"):
            if any(w.startswith(term[:-1]) for w in words):
                return True
        elif term in words:
            return True
    return False


_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[,;:.!?—–]")
_BOUNDARY = frozenset(
    [
        *",;:.!?—–",
        *[
            "and",
            "but",
            "while",
            "whereas",
            "although",
            "though",
            "however",
            "because",
            "since",
            "after",
            "before",
            "when",
            "which",
            "who",
            "that",
            "whose",
            "where",
        ],
    ]
)
_SCOPE = 6  # words a negation reaches forward
MIN_FLIPPED = 2  # shared words negated on one side only before a claim counts as reversed


def polarity_map(text: str) -> dict[str, set[int]]:
    """Each content word's polarity (odd: negated) in `text`, over all its occurrences.

    A negation or reversing verb reaches forward over the next few words of its clause
    ("declined to comment"); one that ends its clause reaches back over it ("the deal stalled").
    """
    out: dict[str, set[int]] = {}
    clause: list[str] = []
    for token in [*_TOKEN.findall(text.lower()), "."]:
        if token in _BOUNDARY:
            _clause_polarity(clause, out)
            clause = []
        else:
            clause.append(token)
    return out


def _clause_polarity(clause: list[str], out: dict[str, set[int]]) -> None:
    if not clause:
        return
    cues = [i for i, flag in enumerate(cue_flags(clause)) if flag]
    backward = bool(cues) and not content_terms(" ".join(clause[cues[-1] + 1 :]))
    for j, word in enumerate(clause):
        if j in cues:
            continue
        parity = sum(1 for i in cues if j - _SCOPE <= i < j)
        if backward and j < cues[-1]:
            parity += 1
        for term in content_terms(word):
            out.setdefault(term, set()).add(parity % 2)


def polarity_differs(claim: str, aligned: Sequence[str]) -> bool:
    """A negation, reversing verb or opposite on one side only (claim vs what it restates).

    Words the claim shares with the passage's best sentences must be negated on both sides or
    on neither (counted, so "dropped its plan to eliminate" is not "eliminating").
    """
    evidence = polarity_map(" ".join(aligned))
    flipped = [
        term
        for term, parities in polarity_map(claim).items()
        if term in evidence and not parities & evidence[term]
    ]
    if len(flipped) >= MIN_FLIPPED:
        return True
    return bool(aligned) and opposed(words(claim), words(" ".join(aligned)))
