"""What kind of answer a question asks for: the question's side of `answer_types`.

Kinds: "money" (how much does it cost), "percent", "number" (how many, how old), "date" (when),
"place" (where, which city), "name" (who, which company: a person or organisation), "cause" (why,
what caused it, what did he die of) and "thing" for the rest. They are read from the sentence that
asks, its misspelt or chat-spelt question words spelt right. A which/what phrase names its kind
with its last head noun ("which country vocal group" is a group) or with a possessive ("which
country's prime minister" asks for the country). Chat questions often have no question word
("activision deal exact price?", "adidas q1 profit drop?", "most polluted us city?", "menorah
height?"): their money noun, change word or last head noun says the kind.
"""

from __future__ import annotations

import re

from bot.answer.places import CATEGORIES
from ingest.index.language.sentences import split_sentences
from ingest.index.language.tokens import ASKING_WORDS, QUESTION_WORDS, spell_question_words

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
# unless the question measures something (`MEASURES`) or a change ("how much is it rising").
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
# A cause or a reason: "why did ...", "what caused ...", "what did he die of", "cause of death".
# A "why" inside the question ("... when explaining why shoppers ...") asks for no reason.
_CAUSE_Q = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|then|wait)\W+)?why\b|\bwhy (?:did|does|do|is|was|were|are|"
    r"has|have|had|would|will|can|could|should|r)\b|\bhow come\b|"
    r"\bwhat\b.*\b(?:caused|causes|cause|led to|leads to|killed|kills|prompted|triggered|"
    r"sparked|blame|blamed)\b|\bwhat made\b|\b(?:cause|causes|reason|reasons) (?:of|for|behind)\b|"
    r"\b(?:die|died|dies|dying|passed away) (?:of|from)\b"
)
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
    typhoon cyclone word term phrase slogan motto hashtag catchphrase nickname title series
    podcast""".split()  # noqa: SIM905
)
# Heads whose answer is a title or a term, often in quotes and not capitalised ("“gaslighting”").
TITLE_HEADS = frozenset(
    """word term phrase slogan motto hashtag catchphrase nickname title movie film song album
    show book series podcast single""".split()  # noqa: SIM905
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

# What a "how ..." question measures, and the words that mark a number as that measure (a
# number next to one of them answers it fully; any other number only partly).
MEASURES = (
    (r"\bhow old\b|\bwhat age\b|\bage\b", r"years?[- ]old|aged?|age of"),
    (
        r"\bhow (?:high|tall|deep|far|big|large|wide|long is|long was)\b|"
        r"\b(?:height|size|depth|distance|length|width)\b",
        r"feet|foot|ft|meters?|metres?|kilomet\w*|km|miles?|inch(?:es)?|yards?|acres?|square|"
        r"light[- ]years?|astronomical units?|parsecs?",
    ),
    (r"\bhow long\b", r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur"),
    (r"\bhow fast\b|\bspeed\b", r"mph|km/h|kph|per hour|knots|mach|speed of sound"),
    (r"\bhow heavy\b|\bweigh", r"pounds?|lbs?|kilograms?|kg|tons?|tonnes?|ounces?|grams?"),
    (r"\bhow (?:strong|powerful|severe)\b|\bmagnitude\b", r"magnitude|category|level|scale"),
    (
        r"\bdeath toll\b|\btoll\b|\bhow many\b.*\b(?:die|died|dead|killed|deaths)\b",
        r"dead|died|deaths?|killed|killing|people|lives|victims|fatalities|bodies",
    ),
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
    if _CAUSE_Q.search(q):
        return "cause"
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
        re.search(asks, question_lower) for asks, _ in MEASURES
    )


def _phrase_head(words: list[str]) -> str | None:
    """The kind of the noun phrase after "which"/"what": that of its head (`_head_word`)."""
    word = _head_word(words)
    return None if word is None else _head(word)


def _head_word(words: list[str]) -> str | None:
    """The head of the noun phrase after "which"/"what": the last of its words that names a kind,
    up to its first function word (not counting `_MODIFIERS`), since an English compound names
    its kind last ("which country vocal group" is a group, "which city council member" a
    person), or up to a possessive, which is what is asked ("which country's new prime minister"
    asks for a country)."""
    found = None
    for raw in words:
        word = raw.strip("’'?.,!")
        named = _head(word) is not None  # before the stopword check: "year" is a stopword too
        if not named and word in QUESTION_WORDS and word not in _MODIFIERS:
            break
        found = _bare(word) if named else found
        if word.endswith(("’s", "'s")):
            break
    return found


def _head_kind(question_lower: str) -> str:
    """The kind a question without a question word asks for, from its last head (`_last_head`)."""
    word = _last_head(question_lower)
    return "thing" if word is None else _head(word) or "thing"


def _last_head(question_lower: str) -> str | None:
    """The last word of a question with no question word that names a kind, without its
    possessive ("most polluted us city in the report?" asks for a place, "nyc menorah height?" for
    a number); a head after "per" is a rate's unit ("snail eggs per year?")."""
    words = question_lower.split()
    for i in reversed(range(len(words))):
        if "per" in words[max(0, i - 2) : i]:  # "per year", "per calendar year"
            continue
        word = words[i].strip("’'?.,!")
        if _head(word) is not None:
            return _bare(word)
    return None


def _head(word: str) -> str | None:
    """The kind `word` (or its singular, without a possessive) heads: "place", "name", "money",
    "number" or "date", or None."""
    word = _bare(word)
    singular = _singular(word)
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


def _bare(word: str) -> str:
    """A word without its possessive ("country's" -> "country")."""
    return word.removesuffix("’s").removesuffix("'s")


def _singular(word: str) -> str:
    """A plural noun's singular, near enough for head nouns ("cities" -> "city")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word.removesuffix("s")


def _asked_head(question: str) -> str | None:
    """The head noun of what the asking clause asks for (`_head_word` of its first which/what
    phrase that has one, or the last head of a question with no question word), singular."""
    q = _asking_clause(question)
    for match in _WHICH.finditer(q):
        if (word := _head_word(match.group(1).split())) is not None:
            return _singular(word)
    if re.search(r"\b(?:what|which|why|how|where|who)\b", q):
        return None
    word = _last_head(q)
    return None if word is None else _singular(word)


def place_category(question: str) -> str | None:
    """The category of place a question's head noun names ("which country", "what us state",
    "most polluted us city?"): "country", "state", "city" or "continent"; None for "where" and
    for other places ("which stadium in the city" asks for a stadium)."""
    head = _asked_head(question)
    return None if head is None else CATEGORIES.get(head)


def asks_title(question: str) -> bool:
    """Whether the question asks for a title or a term ("which word did Merriam-Webster pick",
    "what's the new single called"): an answer quoted in the article answers it. Not a "who"
    question ("who named the ship?")."""
    head = _asked_head(question)
    if head is not None:
        return head in TITLE_HEADS
    q = _asking_clause(question)
    return bool(re.search(r"\bwhat\b.*\b(?:called|named|titled)\b", q)) and "who" not in q.split()
