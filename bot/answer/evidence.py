"""A passage as evidence: the numbers, months and names it states, to look a claim's up in.

Names are looked up with their short forms ("Marquardt"), acronyms the passage spells out ("GM"
for "General Motors"), demonyms and aliases ("French" for "France", "US" for "American") and
digits kept together ("PM2.5" for "PM 2.5").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bot.answer.facts import (
    ISO_DATE,
    WORD,
    Number,
    dates_in,
    durations_in,
    name_key,
    numbers_in,
    spell_date,
)
from ingest.index.language.tokens import stem


@dataclass
class Evidence:
    """What a passage states: its words, numbers, months and names (with title and metadata)."""

    text: str
    context: str = ""  # more of the same article: completes short names ("Marquardt")

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(name_key(w) for w in WORD.findall(self.text))

    @cached_property
    def context_keys(self) -> frozenset[str]:
        return frozenset(name_key(w) for w in WORD.findall(self.context)) | self.keys

    @cached_property
    def context_sequence(self) -> str:
        """The article's words as name keys, space-separated (to look whole names up in)."""
        return " " + " ".join(name_key(w) for w in WORD.findall(self.context)) + " "

    def names_in_full(self, words: tuple[str, ...]) -> bool:
        """Whether the article names these words together, in this order."""
        return f" {' '.join(name_key(w) for w in words)} " in self.context_sequence

    @cached_property
    def initials(self) -> frozenset[str]:
        """Acronyms the text spells out ("General Motors" -> "gm", "World Health ..." -> "who")."""
        out: set[str] = set()
        glue = r"(?:\s+(?:of|the|and|for|on|de)\s+|[\s-]+)"
        for run in re.finditer(rf"[A-Z][A-Za-z]*(?:{glue}[A-Z][A-Za-z]*)+", self.text):
            tokens = re.findall(r"[A-Za-z]+", run.group(0))
            content = [t for t in tokens if t[0].isupper()]
            for i in range(len(content)):
                for j in range(i + 2, min(len(content), i + 6) + 1):
                    out.add("".join(t[0].lower() for t in content[i:j]))
        return frozenset(out)

    @cached_property
    def stated(self) -> str:
        """The text with ISO dates ("2022-10-02") as year and day, so "10" is not a count."""
        return ISO_DATE.sub(spell_date, self.text)

    @cached_property
    def days(self) -> frozenset[float]:
        """Days of the month of the ISO dates ("2022-03-22": 22), for claims stating a date."""
        return frozenset(float(m.group(3)) for m in ISO_DATE.finditer(self.text))

    @cached_property
    def values(self) -> frozenset[tuple[float, bool]]:
        found = numbers_in(self.stated) + durations_in(self.stated)
        both = {(2.0, False)} if re.search(r"\bboth\b", self.text, re.IGNORECASE) else set()
        return (
            frozenset((n.value, n.ordinal) for n in found)
            | {(n.raw, n.ordinal) for n in found}
            | both  # "the two companies" restates "both companies"
        )

    @cached_property
    def months(self) -> set[str]:
        return dates_in(self.text)

    @cached_property
    def units(self) -> dict[float, set[str]]:
        """The units each value is stated with ("" when none follows it)."""
        out: dict[float, set[str]] = {}
        for n in numbers_in(self.stated) + durations_in(self.stated):
            out.setdefault(n.value, set()).add(n.unit)
            out.setdefault(n.raw, set()).add(n.unit)
        return out

    def has_value(self, number: Number) -> bool:
        """The same value, cardinal for cardinal and ordinal for ordinal ("12th" is not twelve),
        and with the same unit when the passage only states it with others ("5-year" is not the
        "10 minutes later" of the same passage)."""
        if number.unit == "date" and number.raw in self.days:
            return True
        key = (number.value, number.ordinal)
        same = key in self.values or any(
            o == number.ordinal and abs(number.value - v) <= 1e-9 * abs(v) for v, o in self.values
        )
        units = self.units.get(number.value, set())
        if not same or not number.unit or not units:
            return same
        return "" in units or number.unit in units

    @cached_property
    def squashed(self) -> str:
        return re.sub(r"[^a-z0-9]", "", self.text.lower())

    def has_name_word(self, word: str, *, context: bool = False) -> bool:
        """Whether the passage (or, with `context`, its article) names `word`."""
        if any(c.isdigit() for c in word):  # "PM2.5" for "PM 2.5", "COVID-19"
            return re.sub(r"[^a-z0-9]", "", word.lower()) in self.squashed
        parts = [p for p in word.split("-") if p[:1].isupper()]
        if "-" in word and parts and len(parts) < len(word.split("-")):
            return all(self.has_name_word(p, context=context) for p in parts)  # "Unilever-owned"
        key = name_key(word)
        keys = self.context_keys if context else self.keys
        if key in keys or any(a in keys for a in aliases(key)):
            return True
        if word.isupper() and 2 <= len(word) <= 5 and word.lower() in self.initials:
            return True
        return any(_same_root(key, k) for k in keys if k[:1] == key[:1])


def _same_root(a: str, b: str) -> bool:
    """ "japan"/"japanese", "europe"/"european": one is a long prefix of the other."""
    short, long = sorted((a, b), key=len)
    common = 0
    for x, y in zip(short, long, strict=False):
        if x != y:
            break
        common += 1
    return common >= 5 and common >= len(short) - 2 and len(long) - common <= 5


_ALIASES = {
    "us": ("united", "america", "american", "usa", "u.s"),
    "usa": ("us", "united", "america"),
    "america": ("us", "american", "usa"),
    "american": ("us", "america", "usa"),
    "uk": ("britain", "british", "united", "england"),
    "britain": ("uk", "british"),
    "british": ("uk", "britain"),
    "france": ("french",),
    "french": ("france",),
    "spain": ("spanish",),
    "spanish": ("spain",),
    "china": ("chinese",),
    "chinese": ("china",),
    "ev": ("electric", "evs"),
    "evs": ("ev", "electric"),
    "eu": ("european", "europe"),
    "un": ("united", "nations"),
    "ceo": ("chief",),
    "cfo": ("chief",),
    "dutch": ("netherlands",),
    "netherlands": ("dutch",),
}


def aliases(key: str) -> tuple[str, ...]:
    """Other words the same name goes by ("us" / "american", "france" / "french")."""
    return tuple(stem(a) for a in _ALIASES.get(key, ()))
