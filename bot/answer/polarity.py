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
    missing
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
        if negates and word.startswith("declin") and _decrease(words, i):
            negates = False  # "a $7 billion decline": a fall in a quantity
        reverses = bool(REVERSER.fullmatch(word)) and not _decrease(words, i)
        flags.append(negates or reverses or f"{previous} {word}" in _PHRASE_REVERSER)
        previous = word
    return flags


def polarity_count(words: list[str]) -> int:
    """How many negations and reversing verbs lower-cased `words` hold."""
    return sum(cue_flags(words))


def _decrease(words: list[str], i: int) -> bool:
    """ "dropped 67%", "dropped by", "declined to 5", "a $7 billion decline": a fall in a
    quantity, not a reversal."""
    if not words[i].startswith(("drop", "declin")):
        return False
    after = words[i + 1 : i + 3]
    before = words[max(0, i - 2) : i]
    if any(w[:1].isdigit() or w in {"million", "billion", "percent"} for w in before):
        return True
    if words[i].startswith("declin"):  # "declined to comment" is a refusal, "declined to 5" not
        return bool(after) and (after[0][:1].isdigit() or "".join(after[1:2])[:1].isdigit())
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
            subjects = [_subject(evidence_words, k) for k in other]
            if any(x.fullmatch(w) for w in evidence_lower):
                continue  # the passage says both ("will continue", "called on him to step down")
            if any(_subject(claim_words, i) & s for i in said for s in subjects):
                return True  # "Nissan confirmed" where "a spokesperson for Nissan declined"
    return False


def _subject(words: list[str], i: int) -> set[str]:
    """Who does what the verb at `i` says: the names in the few words before it, in its clause."""
    out: set[str] = set()
    for word in reversed(words[max(0, i - _OBJECT) : i]):
        if word.lower() in _BOUNDARY:
            break
        if word[:1].isupper():
            out.add(word.lower())
    return out


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
# (one is enough when the other side has no negation or reversing verb at all)


def clauses(text: str) -> list[list[str]]:
    """`text` cut at punctuation and conjunctions, as lists of words (original case). An "and"
    between two numbers ("between 2020 and 2022") joins them and does not end a clause."""
    out: list[list[str]] = []
    clause: list[str] = []
    tokens = [*_TOKEN.findall(text), "."]
    for i, token in enumerate(tokens):
        joins = token.lower() == "and" and 0 < i < len(tokens) - 1 and _numeric(tokens[i - 1])
        if token.lower() in _BOUNDARY and not (joins and _numeric(tokens[i + 1])):
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
        backward = (
            bool(cues)
            and _verb_cue(lower[cues[-1]])
            and not key_stems(" ".join(lower[cues[-1] + 1 :]))
        )
        names = [j > 0 and w[:1].isupper() for j, w in enumerate(clause)]
        reach = _distances(names)
        for j, word in enumerate(clause):
            if j in cues or names[j] or _numeric(word):
                continue  # numbers and names are what a statement is about, not what it says
            parity = sum(1 for i in cues if i < j and reach[j] - reach[i] <= _SCOPE)
            if backward and j < cues[-1]:
                parity += 1
            for term in key_stems(word):
                out.setdefault(term, set()).add(parity % 2)
    return out


_FORWARD = word_set("not no never without nor neither unable cannot unless yet none nothing")


def _verb_cue(word: str) -> bool:
    """A cue that can end its clause and negate what came before ("the talks failed"); "not" and
    "hasn't" negate what follows ("USPS hasn't said")."""
    return word not in _FORWARD and not word.endswith(("n't", "n’t"))


def _numeric(token: str) -> bool:
    return token[:1].isdigit()


def _distances(names: list[bool]) -> list[int]:
    """Each word's position counting a run of name words as one word ("no Bed Bath Beyond
    stores": "stores" is two words after "no")."""
    out: list[int] = []
    position = -1
    for j, name in enumerate(names):
        if not (name and j > 0 and names[j - 1]):
            position += 1
        out.append(position)
    return out


def _flipped(claim: dict[str, set[int]], evidence_parts: list[list[str]]) -> list[str]:
    """The claim's words the passage clauses hold, negated on one side only."""
    evidence = polarity_map(evidence_parts)
    return [t for t, parities in claim.items() if t in evidence and not parities & evidence[t]]


def _negated(parts: list[list[str]]) -> bool:
    return any(any(cue_flags([w.lower() for w in clause])) for clause in parts)


def polarity_differs(claim: str, aligned: Sequence[str]) -> bool:
    """A negation, reversing verb or opposite on one side only (claim vs what it restates).

    Words the claim shares with the passage's best sentences must be negated on both sides or
    on neither (counted, so "dropped its plan to eliminate" is not "eliminating"); and no clause of
    the claim may use the opposite of a verb in the passage clause it restates ("admitted" for
    "denied").
    """
    claim_parts = clauses(claim)
    claim_map = polarity_map(claim_parts)
    evidence_parts = [c for s in aligned for c in clauses(s)]
    flipped = _flipped(claim_map, evidence_parts)
    if len(flipped) >= MIN_FLIPPED:
        return True
    best = clauses(aligned[0]) if aligned else []
    if flipped and _negated(claim_parts) != _negated(best):
        return True  # the best sentence, negated where the claim is not (or the reverse)
    return opposed(_TOKEN.findall(claim), _TOKEN.findall(" ".join(aligned)))
