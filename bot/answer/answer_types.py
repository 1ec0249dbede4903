"""Whether a sentence offers an answer of the kind a question asks for (`question_kinds`).

A sentence offers an answer when it holds something of that kind that the question does not
already contain: the question restated is not an answer. A number answers fully when it sits
next to what the question measures ("20 kilometers" for "how high", "four people" for "how many
people", "Saget, 65," for "how old"), and half otherwise.

Rules, not a NER model, by measurement (`benchmarks/entity_typing.py`, README, Performance). On
304 typed questions of dev.jsonl, natural-dev and holdout, the rules give the gold answer the asked
kind more often than spaCy's small English pipeline (en_core_web_sm 3.8.0, NER only): .88 vs .83.
They are better on names and counts (OntoNotes labels ages and durations DATE) and, since places
are looked up in GeoNames (`places`), on places too (.84 vs .74). Their full offer separates the
answer's sentence better (recall minus false positives .54 vs .51). The rules take 0.02 / 0.06 ms
per sentence (p50 / p95). spaCy takes 0.6 s to load and 11-14 ms for a question's candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.answer.citations import MARKER
from bot.answer.places import places_in
from bot.answer.question_kinds import MEASURES, answer_kind, asks_title, place_category
from ingest.index.language.rarity import zipf
from ingest.index.language.sentences import split_sentences
from ingest.index.language.tokens import (
    QUESTION_WORDS,
    is_key_word,
    key_stems,
    spell_question_words,
    stem,
    terms,
)

_DIGITS = r"\d[\d,.]*\d|\d"
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|billions|trillion|dozen|dozens|half"
)
NUMBER = re.compile(rf"(?:{_DIGITS})|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
MONEY = re.compile(
    rf"[$€£¥]\s?(?:{_DIGITS})|(?:{_DIGITS})\s?(?:[mb]n\b)|\b(?:{_DIGITS}|{_NUMBER_WORDS})"
    r"(?:\s+(?:million|billion|trillion))?\s+(?:dollars|euros|pounds|yen|yuan|rupees|won|cents)\b",
    re.IGNORECASE,
)
PERCENT = re.compile(
    rf"(?:{_DIGITS})\s?%|\b(?:{_DIGITS}|{_NUMBER_WORDS})\s+(?:percent|per cent)\b", re.IGNORECASE
)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
DATE = re.compile(
    rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})(?:\s+\d{{1,2}})?|\b(?:Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|today|tomorrow|yesterday|tonight)\b|"
    r"\b(?:next|last|this|later this|early|late|mid)[- ](?:week|month|year|spring|summer|fall|"
    r"autumn|winter)\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_OLD_YEAR = re.compile(r"\b(?:in|since|from|by|until|before|after|around|circa)\s+(1[0-8]\d\d)\b")
_DECADE = re.compile(r"\b(?:1[0-9]|20)\d0s\b")
_HOW_MANY = re.compile(r"\b(?:how many|number of)\s+((?:[a-z][\w-]*\s*){1,4})")
_NEAR = 24  # characters either side of a number where its unit or noun is looked for
_NAME = re.compile(r"\b[A-Z][\w’'&.-]*(?:\s+(?:of|de|von|van|the|and|&)?\s*[A-Z][\w’'&.-]*)*")
_PLACE = re.compile(
    r"\b(?:in|at|from|near|to|across|outside|inside|into|toward|towards|off)\s+"
    r"(?:the\s+)?(?:(?:[a-z]+ern|north|south|east|west|central|coastal|rural|downtown)\s+)?"
    r"([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)"
)
_NOT_NAMES = frozenset(
    """The A An In On At But And Or It He She They We This That These Those His Her Their Its
    If As For When While After Before By From With Of To I You Our Your There Here What Who
    Why How Where Which Mr Mrs Ms Dr""".split()  # noqa: SIM905
)


_QUOTED = re.compile(r"[“\"]((?:[^”\"\s]+\s){0,5}[^”\"\s]*[^”\"\s.,!?;:])[.,!?;:]?[”\"]")

NEARBY_CHARS = 50  # about eight words either side of an answer span

# What gives a cause or a reason, with the phrase it introduces (up to the clause's end). The
# connectives answer fully ("because of the storm", "died of cancer", "started by a homeowner
# burning trash", "in support of Colin Kaepernick"); a time connective that often gives the
# occasion ("suspended after violating the rules") and what comes before a cause verb ("a storm
# is causing delays") half. "The cause was not known" gives none.
_CAUSES = r"[^,;:.!?”\"]{3,60}"
_GIVEN_CAUSE = rf"((?!\s*(?:not|unknown|unclear|under|yet|still)\b){_CAUSES})"
_CAUSE = re.compile(
    r"\b(?:because(?: of)?|due to|owing to|thanks to|as a result of|in support of|in protest"
    r"(?: of| at| against| over)?|in solidarity with|in response to|so that|in order to|"
    r"(?:caused|started|triggered|sparked|prompted|driven|fuel?led|set off|brought on) by|"
    r"(?:blamed|blames|blaming|attributed) (?:\w+ )?(?:on|to)|stemm(?:ed|ing|s) from|"
    r"result(?:ed|ing|s)? from|(?:die|died|dies|dying|death|deaths|dead) (?:of|from)|"
    rf"(?:cause|causes|reason|reasons)(?: of| for)?{_CAUSES}(?: was| is| were))" + _GIVEN_CAUSE,
    re.IGNORECASE,
)
_OCCASION = re.compile(
    r"\b(?:after|amid|following|for (?:\w+ing|\w+ing \w+))\b" + _GIVEN_CAUSE,
    re.IGNORECASE,
)
# "A severe weather system ... is causing delays": the cause comes before its verb.
_CAUSING = re.compile(
    rf"({_CAUSES}?)\s(?:is |was |are |were |has |have |had |been |has been |had been )?"
    r"(?:causing|caused|causes|led to|leading to|triggered|triggering|sparked|prompted|forced)\b",
    re.IGNORECASE,
)
_ASKS_WHICH = re.compile(r"\b(?:who|whom|whose|which|what|where)\b")

Span = tuple[int, int, float]  # start, end in the sentence, and how fully it answers (0..1]


def _new(spans: list[Span], sentence: str, question_lower: str, score: float) -> list[Span]:
    """The spans whose text the question does not already contain, scored `score`."""
    return [
        (a, b, score)
        for a, b, _ in spans
        if sentence[a:b].lower().strip(" .,") not in question_lower
    ]


def _found(pattern: re.Pattern[str], sentence: str, group: int = 0) -> list[Span]:
    return [(m.start(group), m.end(group), 1.0) for m in pattern.finditer(sentence)]


def _names(
    sentence: str, question_stems: set[str], proper: frozenset[str] | None = None
) -> list[Span]:
    out = []
    for match in _NAME.finditer(sentence):
        if _capitalised_word(sentence, match, proper):
            continue
        words = [w for w in match.group(0).split() if w.strip(".’'") not in _NOT_NAMES]
        if all(_bare(w) in _CALENDAR for w in words):
            continue  # "Wednesday", "March": a date, not a name
        stems = {s for w in words for s in terms(w)}
        if (
            words
            and not stems <= question_stems
            and not all(w.lower() in QUESTION_WORDS for w in words)
        ):
            out.append((match.start(), match.end(), 1.0))
    return out


SENTENCE_START_ZIPF = 5.2  # "several" 5.4, "police" 5.3; "China" 5.1 and "Apple" 4.8 stay names
NAME_ZIPF = 3.0  # rarer than this, a capitalised word is a name even with no other evidence
_CALENDAR = frozenset(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Jan Feb Aug Sept Sep Oct Nov Dec
    Today Tonight Tomorrow Yesterday""".split()  # noqa: SIM905
)
# A capitalised word in the middle of a sentence: after a word, a comma or a bracket.
_MID_CAPITAL = re.compile(r"(?<=[\w,;)] )[A-Z][\w’'&-]*")


def proper_words(texts: Iterable[str]) -> frozenset[str]:
    """The words `texts` capitalise in the middle of a sentence: what they treat as names."""
    return frozenset(_bare(m.group(0)) for text in texts for m in _MID_CAPITAL.finditer(text))


def _bare(word: str) -> str:
    return word.strip(".,’'").removesuffix("’s").removesuffix("'s")


def _capitalised_word(
    sentence: str, match: re.Match[str], proper: frozenset[str] | None = None
) -> bool:
    """True for one word capitalised only because it starts the sentence ("Several colleges
    ...", "Moreover, ..."): not a name. With `proper` (the passages' `proper_words`), such a
    word is a name only when the passages capitalise it elsewhere too, or it is rare (truecasing
    by the text's own evidence); without it, when it is not a common word."""
    text = match.group(0)
    starts = not sentence[: match.start()].strip(" \"“‘'(")
    if not starts or " " in text:
        return False
    frequency = zipf(text.lower())
    if frequency >= SENTENCE_START_ZIPF:
        return True
    if proper is None:
        return False
    return _bare(text) not in proper and frequency >= NAME_ZIPF


def typed_spans(
    kind: str, sentence: str, question: str, proper: frozenset[str] | None = None
) -> list[Span]:
    """Where `sentence` holds an answer of `kind` that `question` lacks ([] for "thing");
    `proper`: the words its passages capitalise mid-sentence (`proper_words`)."""
    lowered = spell_question_words(question).lower()
    if kind in ("money", "percent"):
        exact = MONEY if kind == "money" else PERCENT
        return _new(_found(exact, sentence), sentence, lowered, 1.0) + _new(
            _found(NUMBER, sentence), sentence, lowered, 0.3
        )
    if kind == "number":  # a count, an age, a magnitude: a year is not one
        counts = [s for s in _found(NUMBER, sentence) if not _YEAR.fullmatch(sentence[s[0] : s[1]])]
        return _measured(_new(counts, sentence, lowered, 1.0), sentence, lowered)
    if kind == "date":
        dates = _found(DATE, sentence) + _found(_OLD_YEAR, sentence, 1) + _found(_DECADE, sentence)
        return _new(dates, sentence, lowered, 1.0)
    question_stems = key_stems(question)
    if kind == "place":
        return _places(sentence, question_stems, place_category(question), proper)
    if kind == "name":
        names = [
            (a, b, _as_named(sentence[a:b])) for a, b, _ in _names(sentence, question_stems, proper)
        ]
        if asks_title(question):
            names += _new(_found(_QUOTED, sentence, 1), sentence, lowered, 1.0)
        return names
    if kind == "cause":
        occasions = _found(_OCCASION, sentence, 1) + _found(_CAUSING, sentence, 1)
        return _new(_found(_CAUSE, sentence, 1), sentence, lowered, 1.0) + _new(
            occasions, sentence, lowered, 0.5
        )
    return []


# "Trump-era", "Democrat-led", "Afro-Colombian": a capitalised word that describes, no one's name.
_DESCRIBING = re.compile(
    r"^[A-Z][\w.]*-(?:era|led|based|backed|born|owned|run|made|style|linked|funded|like)$|"
    r"^(?:Afro|Anglo|Sino|Indo|Euro|Franco|Russo|Pan|Pro|Anti|Non|Ex)-[A-Z]\w*$"
)


def _as_named(text: str) -> float:
    """How fully a name answers who or which: a person or organisation. Half for one that is
    only a known place ("San Antonio", "California's", a "WASHINGTON –" dateline) or a
    describing compound ("Trump-era"): the answer is more often someone there."""
    bare = _bare(text.strip())
    if _DESCRIBING.match(bare):
        return 0.5
    lookup = bare.title() if bare.isupper() and len(bare) > 3 else bare
    return 0.5 if any(a == 0 and b == len(lookup) for a, b, _ in places_in(lookup)) else 1.0


def _places(
    sentence: str, question_stems: set[str], category: str | None, proper: frozenset[str] | None
) -> list[Span]:
    """Places the question lacks: a known place (`places.gazetteer`) answers fully, or half when
    the question asks for another category ("which country": "Nayarit" is a state); a name after
    "in", "at", "from"... fully when no category is asked, else half; any other name half, or a
    quarter when a category is asked."""
    after_preposition = [
        s for s in _found(_PLACE, sentence, 1) if set(terms(sentence[s[0] : s[1]])) - question_stems
    ]
    known: list[Span] = []
    others: list[Span] = []
    for a, b, _ in _names(sentence, question_stems, proper):
        inside = [
            (a + start, a + end, kinds)
            for start, end, kinds in places_in(sentence[a:b])
            if set(terms(sentence[a + start : a + end])) - question_stems
        ]
        known += [(s, e, 1.0 if category in (None, *kinds) else 0.5) for s, e, kinds in inside]
        if not inside:
            others.append((a, b, 0.25 if category else 0.5))
    spans = [
        (a, b, 0.5 if category else 1.0)
        for a, b, _ in after_preposition
        if not any(s < b and a < e for s, e, _ in known)  # already scored as a known place
    ]
    return known + spans + others


def _measured(spans: list[Span], sentence: str, question_lower: str) -> list[Span]:
    """Numbers scored by whether they are what the question measures: next to its unit ("20
    kilometers" for "how high"), or to the noun it counts ("four people" for "how many people");
    any other number half. Without a measure or a counted noun in the question, every number."""
    units = [unit for cue, unit in MEASURES if re.search(cue, question_lower)]
    units += [rf"{re.escape(noun)}\w*" for noun in counted_nouns(question_lower)]
    if not units:
        return spans
    near = re.compile(rf"\b(?:{'|'.join(units)})", re.IGNORECASE)
    age = re.search(MEASURES[0][0], question_lower) is not None
    out = []
    for a, b, _ in spans:
        window = sentence[max(0, a - _NEAR) : a] + " " + sentence[b : b + _NEAR]
        # "Saget, 65, was ...": an age set off by commas after a name
        aside = age and sentence[max(0, a - 2) : a] == ", " and sentence[b : b + 1] == ","
        out.append((a, b, 1.0 if aside or near.search(window) else 0.5))
    return out


def counted_nouns(question_lower: str) -> list[str]:
    """The stems of what a "how many" question counts: the key words of the phrase after it, up
    to the first other word ("how many patriot front members were arrested": patriot, front,
    member). The counted noun is most often the phrase's last word, not its first ("positive
    monkeypox cases", "gop senators")."""
    counted = _HOW_MANY.search(question_lower)
    if counted is None:
        return []
    nouns = []
    for n, word in enumerate(counted.group(1).split()):
        if n and not is_key_word(word):
            break
        if len(noun := stem(word)) >= 3:
            nouns.append(noun)
    return nouns


def offers(kind: str, sentence: str, question: str, proper: frozenset[str] | None = None) -> float:
    """0..1: how much `sentence` offers an answer of `kind` that `question` does not contain."""
    if kind != "thing":
        spans = typed_spans(kind, sentence, question, proper)
        return max((score for _, _, score in spans), default=0.0)
    new = set(terms(sentence)) - key_stems(question)
    return min(len(new), 4) / 4


def around(sentence: str, start: int, end: int) -> frozenset[str]:
    """The stems of the whole words within `NEARBY_CHARS` either side of `sentence[start:end]`."""
    left = sentence[max(0, start - NEARBY_CHARS) : start]
    right = sentence[end : end + NEARBY_CHARS]
    if start > NEARBY_CHARS:
        left = left.partition(" ")[2]  # a word cut at the window's edge is no word
    if end + NEARBY_CHARS < len(sentence):
        right = right.rpartition(" ")[0]
    return frozenset(terms(f"{left} {right}"))


def answered(question: str, answer: str) -> list[str]:
    """What a cited answer to a who/which/where `question` named: the first name or place of its
    first sentence that the question lacks (the sentence's subject, most often). For follow-ups
    that refer to it ("what company does he run" after "who passed Gates?"); [] for other
    questions and for refusals, which cite nothing."""
    kind = answer_kind(question)
    if kind not in ("name", "place") or not _ASKS_WHICH.search(question.lower()):
        return []
    if not MARKER.search(answer):
        return []
    sentences = split_sentences(MARKER.sub("", answer))
    first = sentences[0].text if sentences else ""
    spans = typed_spans(kind, first, question, proper_words([first]))
    if not spans:
        return []
    best = max(score for _, _, score in spans)
    a, b, _ = next(span for span in spans if span[2] == best)
    return [first[a:b].strip(" .,;:’'")]
