"""The checkable facts of a sentence, read the way a fact-checker reads them.

- numbers, normalised: "100%" = "100 percent", "$1.2bn" = "1.2 billion dollars" = 1.2e9,
  "eight weeks" = "8 weeks", "third" = "3rd", ranges ("2-3", "two to three") give both ends;
- dates: month and weekday names (years are numbers);
- names: runs of capitalised words ("Ines Marquardt", "General Motors", "northern Spain"'s "Spain"),
  acronyms ("GM", "WHO"); a sentence's first word only when it is not an ordinary word;
- a number's unit when one follows it ("5-year", "16-game").

`Evidence` (bot/answer/evidence.py) holds the same facts of a passage, with its title and metadata,
so a claim's can be looked up: every number, date and name a claim states must be there.
Polarity (negations, reversing verbs, opposites) is in bot/answer/polarity.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.index.language.tokens import stem


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`."""
    return frozenset(text.split())


UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
UNITS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13}
UNITS |= {"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18}
UNITS |= {"nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
UNITS |= {"seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12}
ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
ORDINALS |= {"seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6}
SCALES |= {"billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "t": 1e12}
MONTHS = "january february march april may june july august september october november december"
MONTH_NAMES = {m: i for i, m in enumerate(MONTHS.split(), start=1)}
MONTH_NAMES |= {m[:3]: i for m, i in list(MONTH_NAMES.items())} | {"sept": 9}
WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
# Words that open sentences without naming anything, and capitalised words that are no name.
_FUNCTION_WORDS = word_set(
    """a an the and or but if of in on at to for from by with as is are was were be been it its
    this that these those he she they we you his her their our my your who what when where which
    why how not no nor so than then there here all any some each both"""
)
_COMMON_CAPITALISED = word_set(
    """i beyond however meanwhile also while although though despite after before following since
    because if when where yes no instead still yet then thus so overall today tomorrow yesterday
    earlier later both each every other another such some many most several few just only more
    less about nearly almost roughly around over under up down"""
)
_NUMBER = re.compile(
    r"(?<![\w.])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?P<ord>st|nd|rd|th)?"
    r"(?:\s*(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s*-?\s*(?P<scale>thousand|million|billion|trillion|bn|mn|mln|tn|[kmbt])\b)?",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9&]*(?:[.'’-][A-Za-z0-9]+)*\.?|\d+")
_A_SCALE = re.compile(r"\ban?\s+(thousand|million|billion|trillion)\b", re.IGNORECASE)
_SPELLED = re.compile(
    r"\b(?:(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-])?"
    r"(?P<word>" + "|".join(sorted(UNITS | ORDINALS, key=len, reverse=True)) + r")"
    r"(?:[\s-]+(?P<scale>thousand|million|billion|trillion))?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Number:
    """A number as stated (`surface`) and its value (scales applied)."""

    surface: str
    value: float
    ordinal: bool = False
    raw: float = 0.0  # the value before any scale ("70" of "$70 billion")
    unit: str = ""  # a unit right after it ("year" of "a 5-year hiatus", "game" of "16-game")


def numbers_in(text: str) -> list[Number]:
    """Every number stated in `text`, digits or words."""
    found: list[Number] = []
    for match in _NUMBER.finditer(text):
        raw = match.group("num").replace(",", "")
        value = float(raw)
        scale = (match.group("scale") or "").lower()
        if scale and not match.group("pct"):
            if len(scale) == 1 and not _money_before(text, match.start()):
                scale = ""  # "5 m" of height, "3 t" of weight are not millions/trillions
            value *= SCALES.get(scale, 1.0)
        unit = _unit(text, match.end()) or _date_unit(text, match.start(), match.end())
        found.append(
            Number(match.group(0).strip(), value, bool(match.group("ord")), float(raw), unit)
        )
    for match in _A_SCALE.finditer(text):  # "a million", "a billion"
        value = SCALES[match.group(1).lower()]
        found.append(Number(match.group(0), value, False, value))
    for match in _SPELLED.finditer(text):
        word = match.group("word").lower()
        if (word == "one" and not match.group("tens")) or (
            word == "second" and not _ordinal_context(text, match.end())
        ):
            continue  # "one of the", "a second" (time): too ambiguous to check
        raw = value = float(UNITS.get(word, ORDINALS.get(word, 0)))
        if match.group("tens") and value < 10:
            raw = value = value + UNITS[match.group("tens").lower()]
        if match.group("scale"):
            value *= SCALES[match.group("scale").lower()]
        found.append(Number(match.group(0), value, word in ORDINALS, raw, _unit(text, match.end())))
    return found


_UNIT = re.compile(
    r"[\s-]*(year|month|week|day|hour|minute|game|match|point|mile|foot|feet|metre|meter"
    r"|kilometre|kilometer|inch|pound|ton|seat|vote|page|episode|season|round|lap|floor|acre"
    r"|gallon|barrel|degree|inning|goal)s?\b",
    re.IGNORECASE,
)


def _unit(text: str, end: int) -> str:
    match = _UNIT.match(text, end)
    if match is None:
        return ""
    unit = match.group(1).lower()
    return {"feet": "foot", "meter": "metre", "kilometer": "kilometre"}.get(unit, unit)


# The same duration in a smaller unit: "18 months" is "a year and a half".
_IN_SMALLER = {"year": (12.0, "month"), "week": (7.0, "day"), "day": (24.0, "hour")}
_IN_SMALLER |= {"hour": (60.0, "minute")}
_HALF = re.compile(
    r"\b(?:(?P<whole>an?|\d+|" + "|".join(UNITS) + r")\s+(?P<unit>year|month|week|day|hour)s?"
    r"\s+and\s+a\s+half|(?P<n>an?|\d+|" + "|".join(UNITS) + r")\s+and\s+a\s+half\s+"
    r"(?P<unit2>year|month|week|day|hour)s?|half\s+an?\s+(?P<unit3>year|month|week|day|hour))\b",
    re.IGNORECASE,
)


def durations_in(text: str) -> list[Number]:
    """The durations of `text` with a half, in smaller units too: "a year and a half" is 1.5
    years and 18 months, "half an hour" 30 minutes. Whole durations are not converted: a passage's
    "three days" is seldom the claim's "72 hours"."""
    found: list[Number] = []
    for match in _HALF.finditer(text):
        whole = match.group("whole") or match.group("n")
        unit = (match.group("unit") or match.group("unit2") or match.group("unit3")).lower()
        base = 0.0 if whole is None else _count(whole)
        found.append(Number(match.group(0), base + 0.5, raw=base + 0.5, unit=unit))
    out = list(found)
    for n in found:
        value, unit = n.value, n.unit
        while unit in _IN_SMALLER:
            factor, unit = _IN_SMALLER[unit]
            value *= factor
            out.append(Number(n.surface, value, raw=value, unit=unit))
    return out


def _count(word: str) -> float:
    low = word.lower()
    return 1.0 if low in {"a", "an"} else float(UNITS[low]) if low in UNITS else float(low)


ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def spell_date(match: re.Match[str]) -> str:
    # Only the year stays: the month would "support" any claim about that month, and the day any
    # count that happens to equal it ("22 cities" on 2022-03-22). `Evidence.days` keeps the day
    # for claims that state it as a date ("March 22").
    return match.group(1)


_MONTH_WORD = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTH_WORD})\.?\s+$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_WORD})\b", re.IGNORECASE)


def _date_unit(text: str, start: int, end: int) -> str:
    """ "date" for a day of the month ("March 22", "22 March", "the 22nd of March")."""
    if _MONTH_BEFORE.search(text[max(0, start - 12) : start]) or _MONTH_AFTER.match(text, end):
        return "date"
    return ""


def _money_before(text: str, start: int) -> bool:
    return text[max(0, start - 2) : start].strip()[-1:] in {"$", "€", "£", "¥"}


def _ordinal_context(text: str, end: int) -> bool:
    return bool(re.match(r"\s+(?:time|largest|biggest|highest|quarter|half|round)\b", text[end:]))


def dates_in(text: str) -> set[str]:
    """Month and weekday names in `text`, lower case and in full ("sept" -> "september")."""
    out: set[str] = set()
    full = MONTHS.split()
    for match in re.finditer(r"\b([A-Z][a-z]+)\b\.?", text):
        word = match.group(1).lower()
        if word in WEEKDAYS:
            out.add(word)
        elif word in MONTH_NAMES:
            if word == "may" and not re.match(r"\s*(?:\d|of\b)", text[match.end() :]):
                continue  # the modal verb ("May partner"), not the month
            out.add(full[MONTH_NAMES[word] - 1])
    return out


@dataclass(frozen=True, slots=True)
class Name:
    """A run of capitalised words (or an acronym) and its words."""

    surface: str
    words: tuple[str, ...]


def names_in(text: str) -> list[Name]:
    """Capitalised runs in `text`: people, organisations, places, products."""
    out: list[Name] = []
    run: list[str] = []
    tokens = [(m.group(0), m.start()) for m in WORD.finditer(text)]
    for i, (token, start) in enumerate(tokens):
        word = token.rstrip(".")
        initial = i == 0 or _opens_sentence(text, start)
        if run and i and text[tokens[i - 1][1] + len(tokens[i - 1][0]) : start].strip():
            _flush(run, out)  # "Nanchong, Sichuan" are two names
        if _is_name_word(word, initial):
            run.append(word)
            continue
        if (
            run
            and word.lower() in {"of", "de", "la", "von", "van", "der", "al"}
            and i + 1 < len(tokens)
        ):
            nxt = tokens[i + 1][0]
            if nxt[:1].isupper():
                run.append(word)
                continue
        _flush(run, out)
    _flush(run, out)
    return out


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" *_\"'“‘(")
    return not before or before[-1] in ".!?:;\n-–—•"


def _is_name_word(word: str, initial: bool) -> bool:
    base = re.sub(r"['’](?:ll|re|ve|d|m|s)$", "", word, flags=re.IGNORECASE)  # "It'll", "We're"
    if not word[:1].isupper() or word.lower() in _FUNCTION_WORDS or base.lower() in _FUNCTION_WORDS:
        return False
    low = word.lower()
    if low in MONTH_NAMES or low in WEEKDAYS or low in _COMMON_CAPITALISED:
        return False
    if _SPELLED.fullmatch(word.replace("-", " ")) or (
        initial and "-" in word and word[1:].islower()
    ):
        return False  # "Twenty-one", "Food-at-home"
    if initial and not (word.isupper() and len(word) > 1):
        return low not in ORDINALS and low not in UNITS and not _looks_common(low)
    return True


def _looks_common(low: str) -> bool:
    """A sentence-opening word that is an ordinary word ("Formal", "Gasoline", "Shares")."""
    return low.endswith(("ly", "ing", "ed", "al", "es", "ion", "ers", "ity", "ness", "ment"))


def _flush(run: list[str], out: list[Name]) -> None:
    while run and run[-1].lower() in {"of", "de", "la", "von", "van", "der", "al"}:
        run.pop()
    if run:
        out.append(Name(" ".join(run), tuple(run)))
    run.clear()


def name_key(word: str) -> str:
    """How a name word is looked up: lower case, no possessive or dots."""
    word = re.sub(r"['’]s?$", "", word.lower()).replace(".", "")
    return stem(word)
