"""What kind of answer a question asks for, and whether a sentence offers one.

Kinds: "money" (how much does it cost), "percent", "number" (how many, how old), "date" (when),
"place" (where, which city), "name" (who, which company: a person or organisation) and "thing"
for the rest. A sentence offers an answer when it holds something of that kind that the question
does not already contain: the question restated is not an answer. Chat questions often have no
question word ("activision deal exact price?", "adidas q1 profit drop?", "most polluted us city?"):
their money noun, change word or head noun says the kind. A number answers fully when it sits
next to what the question measures ("20 kilometers" for "how high", "four people" for "how many
people", "Saget, 65," for "how old"), and half otherwise.

Rules, not a NER model, by measurement (`benchmarks/entity_typing.py`: 268 typed questions of
dev.jsonl, natural-dev and holdout, 9,653 candidate sentences of their gold articles; 2 cores at
load 2-4). Against spaCy's small English pipeline (en_core_web_sm 3.8.0, NER only) the rules give
the gold answer the asked kind as often (.83 vs .81: better on names and counts, where OntoNotes
labels ages and durations DATE; worse on places not after a preposition, .44 vs .73, and dates),
and their full offer finds the answer's sentence about as often (recall .84 vs .88) with more
false positives (.44 vs .37); with spaCy's offer in the refitted answerability model no
fold-averaged number of `citebot fit` on dev + natural-dev improves (README, Performance).
spaCy costs 2.4-3.1 s to import and load in a fresh process (a cold `citebot ask` is 1.75 s of a
3 s budget) and 8-11 ms p50 / 15-27 ms p95 per sentence (a question's 6 candidates: 30-54 /
44-119 ms of a 100 ms answer budget); the rules take 0.05 / 0.13 ms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.index.language.rarity import zipf
from ingest.index.language.sentences import split_sentences
from ingest.index.language.tokens import (
    ASKING_WORDS,
    QUESTION_WORDS,
    key_stems,
    spell_question_words,
    stem,
    terms,
)

_PERCENT_Q = re.compile(
    r"\bwhat (?:percentage|percent|share|proportion|fraction)\b|\bhow much of\b|"
    r"\b(?:percentage|percent|vote share|share of the vote|approval rating)\b"
)
_MONEY_NOUNS = (
    r"cost|costs|price|priced|pay|paid|payout|worth|valued|value|salary|fine|fined|fee|fees|"
    r"bill|budget|jackpot|prize|revenue|profit|funding|fund|aid|donation|donated|raise|raised|"
    r"spend|spent|sold|sell|charge|charged|earn|earned|owe|award|bid|loan|settlement|buyback|"
    r"money|dollars|tax|wage|deal|offer|damages|paying|pays|spending|spends|costing|charging|"
    r"earning|earns|selling|sells|owes|owed|cash|rent|bail|ransom|tickets?|give|gave|"
    r"take home|go for|going for|went for|sell for"
)
# "how much is/are/was ..." ("how much is nasa paying", "how much r tickets") asks for money,
# unless the question measures something (`_MEASURES`) or a change ("how much is it rising").
_HOW_MUCH_VERB = re.compile(r"\bhow much (?:is|are|was|were|will be|r)\b")
_MONEY_Q = re.compile(
    rf"\bhow much\b.*\b(?:{_MONEY_NOUNS})\b|\b(?:{_MONEY_NOUNS})\b.*\bhow much\b|"
    r"\bwhat (?:price|amount|sum)\b|\bhow much money\b|"
    r"\bhow much\b.*\b(?:per share|a share|each|getting|get|receive|receiving|make|makes|"
    r"making|ask|asking|charge)\b|"
    r"^(?!.*\b(?:who|whom|whose|when|where|which|why)\b).*\b(?:price|cost|worth|valued|salary|"
    r"jackpot|payout|fine|fee|buyback|funding|aid|bid|valuation|price tag)\b"
)
# A change asked for without a "how": "profit drop?", "how bad did sales fall": a percentage or
# an amount, so a number.
_CHANGE_Q = re.compile(
    r"^(?!.*\b(?:who|whom|whose|when|where|which|why)\b).*\b(?:drop|drops|dropped|fall|fell|"
    r"falls|rise|rose|rises|jump|jumped|decline|declined|increase|increased|decrease|"
    r"decreased|growth|grew|gain|gained|loss|plunge|plunged|surge|surged)\b\W*$|"
    r"\bhow (?:bad|badly|sharply|steeply|much)\b.*\b(?:drop|dropped|fall|fell|rise|rose|jump|"
    r"jumped|decline|declined|increase|increased|decrease|decreased|grow|grew|gain|gained|"
    r"plunge|plunged|surge|surged|hike|hiked|go up|went up|risen|rising|fallen|falling|grown|"
    r"growing|cheaper|more|less|higher|lower)\b"
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|old|far|big|large|tall|high|fast|deep|heavy|often|strong|"
    r"powerful|severe)\b|\bwhat (?:number|age|size|speed|magnitude|score|rank|height)\b|"
    r"\b(?:death toll|toll|number of|magnitude|how\s+many|count|tally|final score)\b|\bamount\b"
)
_DATE_Q = re.compile(
    r"\bwhen\b|\bwhat (?:year|yr|date|day|month|time)\b|\bhow soon\b|"
    r"\b(?:which|what) (?:year|yr|day|month|date)\b|\bsince what\b|\b(?:date|yr)\s*\??$"
)
_PLACE_Q = re.compile(r"\bwhere\b")
_NAME_Q = re.compile(r"\bwho(?:m|se|'s|’s)?\b|\b(?:name|called|named|nickname|title)\b")
_WHICH = re.compile(r"\b(?:which|what)\b((?:\s+[\w’'-]+){1,4})")
# Head nouns, after "which"/"what", or anywhere in a question with no question word ("most
# polluted us city in the report?").
PLACE_HEADS = frozenset(
    """country nation state city town county province region park island river continent
    place location site port capital village area airport stadium venue""".split()  # noqa: SIM905
)
NAME_HEADS = frozenset(
    """person man woman individual official president politician leader lawmaker senator member
    billionaire celebrity star singer actor actress rapper musician golfer player athlete
    quarterback coach director visionary comedian author journalist judge company firm brand
    business retailer automaker carmaker airline newspaper network broadcaster studio team
    club league school university college agency organization organisation group party band
    bank manufacturer maker partner rival outlet channel show film movie book song album app
    ceo founder chief minister governor mayor king queen prince princess pope justice
    candidate winner champion court restaurant hotel store shop chain mall museum
    hospital theater theatre executive professor lawyer attorney driver pilot officer
    spokesperson spokesman spokeswoman manager owner operator journal magazine carrier hurricane
    typhoon cyclone""".split()  # noqa: SIM905
)
# Heads that ask for a number or a date ("nyc giant menorah height?", "mansa musa death year").
NUMBER_HEADS = frozenset(
    """age height weight depth distance length width speed size total number count tally rate
    level score toll temperature population viewership attendance turnout inches feet miles
    acres meters metres kilometers pounds tons weeks days hours months years""".split()  # noqa: SIM905
)
DATE_HEADS = frozenset("""year date deadline day month""".split())  # noqa: SIM905
MONEY_HEADS = frozenset(
    """revenue earnings profit profits writedown valuation wage wages income salary""".split()  # noqa: SIM905
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
# What a "how ..." question measures, and the words that mark a number as that measure (a
# number next to one of them answers it fully; any other number only partly).
_MEASURES = (
    (r"\bhow old\b|\bwhat age\b|\bage\b", r"years?[- ]old|aged?|age of"),
    (
        r"\bhow (?:high|tall|deep|far|big|large|wide|long is|long was)\b|"
        r"\b(?:height|size|depth|distance|length|width)\b",
        r"feet|foot|ft|meters?|metres?|kilomet\w*|km|miles?|inch(?:es)?|yards?|acres?|square",
    ),
    (r"\bhow long\b", r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur"),
    (r"\bhow fast\b|\bspeed\b", r"mph|km/h|kph|per hour|knots"),
    (r"\bhow heavy\b|\bweigh", r"pounds?|lbs?|kilograms?|kg|tons?|tonnes?|ounces?|grams?"),
    (r"\bhow (?:strong|powerful|severe)\b|\bmagnitude\b", r"magnitude|category|level|scale"),
    (
        r"\bdeath toll\b|\btoll\b|\bhow many\b.*\b(?:die|died|dead|killed|deaths)\b",
        r"dead|died|deaths?|killed|killing|people|lives|victims|fatalities|bodies",
    ),
)
_HOW_MANY = re.compile(r"\b(?:how many|number of)\s+([a-z][\w-]*)")
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


_QUESTION_WORDS = rf"\b(?:{'|'.join(ASKING_WORDS)})\b"
_QUESTION_WORD = re.compile(_QUESTION_WORDS)
_ASKS = re.compile(rf"\?|{_QUESTION_WORDS}", re.IGNORECASE)
_SUBORDINATE = re.compile(r"\b(?:who|whom|whose|where|when)\b")
# "what's the deadline" asks like "what deadline"; not "what's the company's revenue" (the
# revenue is asked) nor "what is the state of ..." (a noun of a relation).
_WHAT_IS = re.compile(
    r"\bwhat(?:['’]s| is| was| are| were| will be)\s+(?:the|a|an)\s+"
    r"(?![\w-]+(?:['’]s\b|\s+of\b))"
)


def asking_sentence(question: str) -> str:
    """The sentence of `question` that asks: the last with a question mark or a question word,
    else the last one ("... was suspended six games. Which team does Watson play for?"), its
    misspelt question words spelt right ("wich team" asks like "which team")."""
    question = spell_question_words(question)
    parts = [s.text for s in split_sentences(question)]
    if len(parts) < 2:
        return question
    asking = [p for p in parts if _ASKS.search(p)]
    return (asking or parts)[-1]


def _asking_clause(question: str) -> str:
    """The lower-cased asking sentence with any "who", "when" or "where" after its first question
    word blanked: those open a clause about the scene ("how old was he *when* he died", "where
    was he *when* the drone hit"); the first question word says what is asked. "What's the"
    reads as "what" ("what's the deadline" asks like "what deadline")."""
    q = _WHAT_IS.sub("what ", asking_sentence(question).lower())
    first = _QUESTION_WORD.search(q)
    if first is None:
        return q
    return q[: first.end()] + _SUBORDINATE.sub("that", q[first.end() :])


def answer_kind(question: str) -> str:
    """The kind of answer `question` wants (see the module docstring), read from its asking
    clause (`_asking_clause`)."""
    q = _asking_clause(question)
    if _PERCENT_Q.search(q):
        return "percent"
    if _MONEY_Q.search(q) or (_HOW_MUCH_VERB.search(q) and not _measures_or_changes(q)):
        return "money"
    if _DATE_Q.search(q):
        return "date"
    if _NUMBER_Q.search(q) or _CHANGE_Q.search(q):
        return "number"
    if _PLACE_Q.search(q):
        return "place"
    if re.search(r"\bwho(?:m|se|'s|’s)?\b", q):
        return "name"
    for match in _WHICH.finditer(q):
        if (kind := _phrase_head(match.group(1).split())) is not None:
            return kind
    if _NAME_Q.search(q):
        return "name"
    if not re.search(r"\b(?:what|which|why|how)\b", q):
        return _head_kind(q)
    return "thing"


# Stopwords that modify a noun rather than end its phrase ("which other team", "what two cities").
_MODIFIERS = frozenset(
    """other another new first last next same more most own such few all both each one two
    three four five""".split()  # noqa: SIM905
)


def _measures_or_changes(question_lower: str) -> bool:
    """Whether the question asks for a measure ("how much does it weigh") or a change."""
    return bool(_CHANGE_Q.search(question_lower)) or any(
        re.search(asks, question_lower) for asks, _ in _MEASURES
    )


def _phrase_head(words: list[str]) -> str | None:
    """The kind of the noun phrase after "which"/"what": the last of its words that names a kind,
    up to its first function word (not counting `_MODIFIERS`), since an English compound names
    its kind last ("which country vocal group" is a group, "which city council member" a
    person), or up to a possessive, which is what is asked ("which country's new prime minister"
    asks for a country)."""
    kind = None
    for raw in words:
        word = raw.strip("’'?.,!")
        head = _head(word)  # before the stopword check: "year" and "days" are stopwords too
        if head is None and word in QUESTION_WORDS and word not in _MODIFIERS:
            break
        kind = head or kind
        if word.endswith(("’s", "'s")):
            break
    return kind


def _head_kind(question_lower: str) -> str:
    """The kind a question without a question word asks for, from its last head ("most
    polluted us city in the report?" asks for a place, "nyc menorah height?" for a number); a
    head after "per" is a rate's unit ("snail eggs per year?")."""
    words = question_lower.split()
    for i in reversed(range(len(words))):
        if "per" in words[max(0, i - 2) : i]:  # "per year", "per calendar year"
            continue
        if (kind := _head(words[i].strip("’'?.,!"))) is not None:
            return kind
    return "thing"


def _head(word: str) -> str | None:
    """The kind `word` (or its singular, without a possessive) heads: "place", "name", "money",
    "number" or "date", or None."""
    word = word.removesuffix("’s").removesuffix("'s")
    singular = word.removesuffix("s")
    if word in PLACE_HEADS or singular in PLACE_HEADS:
        return "place"
    if word in NAME_HEADS or singular in NAME_HEADS:
        return "name"
    if word in MONEY_HEADS or singular in MONEY_HEADS:
        return "money"
    if word in NUMBER_HEADS:
        return "number"
    if word in DATE_HEADS or singular in DATE_HEADS:
        return "date"
    if singular in NUMBER_HEADS:
        return "number"
    return None


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
    lowered = question.lower()
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
        places = [
            s
            for s in _found(_PLACE, sentence, 1)
            if set(terms(sentence[s[0] : s[1]])) - question_stems
        ]
        names = [(a, b, 0.5) for a, b, _ in _names(sentence, question_stems, proper)]
        return places + names
    if kind == "name":
        return _names(sentence, question_stems, proper)
    return []


def _measured(spans: list[Span], sentence: str, question_lower: str) -> list[Span]:
    """Numbers scored by whether they are what the question measures: next to its unit ("20
    kilometers" for "how high"), or to the noun it counts ("four people" for "how many people");
    any other number half. Without a measure or a counted noun in the question, every number."""
    units = [unit for cue, unit in _MEASURES if re.search(cue, question_lower)]
    counted = _HOW_MANY.search(question_lower)
    if counted is not None:
        noun = stem(counted.group(1))
        if len(noun) >= 3:
            units.append(rf"{re.escape(noun)}\w*")
    if not units:
        return spans
    near = re.compile(rf"\b(?:{'|'.join(units)})", re.IGNORECASE)
    age = re.search(_MEASURES[0][0], question_lower) is not None
    out = []
    for a, b, _ in spans:
        window = sentence[max(0, a - _NEAR) : a] + " " + sentence[b : b + _NEAR]
        # "Saget, 65, was ...": an age set off by commas after a name
        aside = age and sentence[max(0, a - 2) : a] == ", " and sentence[b : b + 1] == ","
        out.append((a, b, 1.0 if aside or near.search(window) else 0.5))
    return out


def offers(kind: str, sentence: str, question: str, proper: frozenset[str] | None = None) -> float:
    """0..1: how much `sentence` offers an answer of `kind` that `question` does not contain."""
    if kind != "thing":
        spans = typed_spans(kind, sentence, question, proper)
        return max((score for _, _, score in spans), default=0.0)
    new = set(terms(sentence)) - key_stems(question)
    return min(len(new), 4) / 4
