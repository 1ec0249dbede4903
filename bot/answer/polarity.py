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
from ingest.index.language.tokens import key_stems

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
    for pair in """admit*/den*|deny* approv*/reject*|veto*|stall*|block*
    sign|signs|signed|signing/veto*
    accept*/reject*|refus* agree*|offer*/refus*|declin* confirm*/den*|declin*
    win|wins|won|winning/lose|loses|lost|losing
    rise|rises|rose|rising/fall|falls|fell|falling increas*/decreas*
    gain*/lose|loses|lost|losing join*/leav*|left stay*/leav*|resign* keep*|kept/stop*
    support*/oppos* pass|passed/fail* allow*/block* buy*|bought/sell*|sold
    expand*/ban|bans|banned|banning lift*/impos* resum*/suspend* continu*/stopp*
    includ*/exclud* guilty/innocent acquit*/convict* defend*/criticiz*|kill*|scrap*|remov*
    surviv*/die|died|dies alive/dead back|backs|backed|backing/reject*|oppos*
    expand*/paus*|halt*|suspend* continu*|stay*/step|steps|stepped|stepping|resign*
    lead|leads|led|leading/miss|misses|missed|missing hurt|injur*/unharm*|unhurt""".split()  # noqa: SIM905
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


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """One side of an opposite pair as a regex ("admit*" matches "admitted")."""
    parts = [re.escape(t[:-1]) + r"\w*" if t.endswith("*") else re.escape(t) for t in terms]
    return re.compile("(?:" + "|".join(parts) + ")")


_OPPOSITE_PATTERNS = tuple((_pattern(a), _pattern(b)) for a, b in OPPOSITES)
_OBJECT = 5  # words after a verb where what it is about is looked for


def opposed(claim_words: list[str], evidence_words: list[str]) -> bool:
    """The claim uses one of a pair of opposites ("approved a measure") where the passage uses
    the other about the same thing ("rejected a ballot measure"): a word shared just after both."""
    claim_lower = [w.lower() for w in claim_words]
    evidence_lower = [w.lower() for w in evidence_words]
    for a, b in _OPPOSITE_PATTERNS:
        for x, y in ((a, b), (b, a)):
            said = [i for i, w in enumerate(claim_lower) if x.fullmatch(w)]
            if not said or any(y.fullmatch(w) for w in claim_lower):
                continue
            other = [k for k, w in enumerate(evidence_lower) if y.fullmatch(w)]
            if not other:
                continue
            objects = [_object(evidence_words, k) for k in other]
            if any(_object(claim_words, i) & o for i in said for o in objects):
                return True
    return False


def _object(words: list[str], i: int) -> set[str]:
    """What the verb at `i` is about: the stems of the next few words that are not names, or of
    the words before it when it ends its clause ("a deal to pass the funding stalled")."""
    after = words[i + 1 : i + 1 + _OBJECT]
    if not after or after[0] in _BOUNDARY:
        after = words[max(0, i - _OBJECT) : i]
    return key_stems(" ".join(w for w in after if not w[:1].isupper()))


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?|[,;:.!?—–]")
_BOUNDARY = word_set(
    """, ; : . ! ? — – and but while whereas although though however because since after before
    when which who that whose where"""
)
_SCOPE = 8  # words a negation reaches forward, within its clause (fitted on the even rows)
MIN_FLIPPED = 2  # shared words negated on one side only before a claim counts as reversed


def clauses(text: str) -> list[list[str]]:
    """`text` cut at punctuation and conjunctions, as lists of words (original case)."""
    out: list[list[str]] = []
    clause: list[str] = []
    for token in [*_TOKEN.findall(text), "."]:
        if token.lower() in _BOUNDARY:
            if clause:
                out.append(clause)
            clause = []
        else:
            clause.append(token)
    return out


def polarity_map(parts: list[list[str]]) -> dict[str, set[int]]:
    """Each content word's polarity (odd: negated) over all its occurrences in the clauses.

    A negation or reversing verb reaches forward over the rest of its clause ("declined to
    comment"); one that ends its clause reaches back over it ("the deal stalled"). Names are left
    out: a negation is about what is done, and "no Bed Bath & Beyond stores" does not negate the
    company wherever it is named.
    """
    out: dict[str, set[int]] = {}
    for clause in parts:
        lower = [w.lower() for w in clause]
        cues = [i for i, flag in enumerate(cue_flags(lower)) if flag]
        backward = bool(cues) and not key_stems(" ".join(lower[cues[-1] + 1 :]))
        for j, word in enumerate(clause):
            if j in cues or (word[:1].isupper() and j > 0):
                continue
            parity = sum(1 for i in cues if j - _SCOPE <= i < j)
            if backward and j < cues[-1]:
                parity += 1
            for term in key_stems(word):
                out.setdefault(term, set()).add(parity % 2)
    return out


def polarity_differs(claim: str, aligned: Sequence[str]) -> bool:
    """A negation, reversing verb or opposite on one side only (claim vs what it restates).

    Words the claim shares with the passage's best sentences must be negated on both sides or
    on neither (counted, so "dropped its plan to eliminate" is not "eliminating"); and no clause of
    the claim may use the opposite of a verb in the passage clause it restates ("admitted" for
    "denied").
    """
    claim_parts = clauses(claim)
    evidence_parts = [c for s in aligned for c in clauses(s)]
    evidence = polarity_map(evidence_parts)
    flipped = [
        term
        for term, parities in polarity_map(claim_parts).items()
        if term in evidence and not parities & evidence[term]
    ]
    if len(flipped) >= MIN_FLIPPED:
        return True
    return opposed(_TOKEN.findall(claim), _TOKEN.findall(" ".join(aligned)))
