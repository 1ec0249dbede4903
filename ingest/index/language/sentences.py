"""Split text into sentences with exact character spans.

sentencex (Wikimedia's rule-based segmenter, compiled core, no model files) finds the boundaries,
one line at a time, in a masked copy of the line (same length, so its offsets are ours). A small
post-pass adapts it to news text:
- a line break always ends a sentence, as it did before: headlines, bylines, datelines and bullets
  carry no stop, and articles come as one paragraph a line; sentencex breaks at blank lines only;
- sentencex never breaks inside quotes or parentheses, but news quotes run to several sentences, so
  quote marks and parentheses are masked (openers as spaces, closers as "#") and put back on the
  right side of each boundary: `“We won. We go on,” she said.` is two sentences;
- lowercase words that match a capitalised abbreviation ("told me." is not Maine, "hit or miss."
  not Mississippi) and the month "May." are masked so they can end a sentence;
- a split after a title that never ends a sentence ("Lt. Col. Sarah Greene", "Ft. Bragg"), after a
  list number ("1. Staff were ..."), after a quote before a lowercase word (`"Why?" she asked.`) or
  between "a.m."/"p.m." and a time zone or weekday ("10 a.m. ET", "9 a.m. Monday") is undone.
Chosen by measurement against pysbd, nupunkt, syntok, blingfire, segtok, spaCy's sentencizer and the
old regex splitter: see `benchmarks/sentences.py` and `tests/data/sentence_cases*.jsonl`.
It costs 0.15-0.7 ms per 1,000 characters on a loaded 2-core machine (4-5 times sentencex alone),
about 1 ms for a question's 8 passages; passages repeat across questions, so they are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import sentencex

# Passages repeat across questions (the same chunks come back), answers rarely: cache passage-sized
# texts only, so the cache holds at most about 2048 * 4 KB.
_CACHED_CHARS = 4000
# Titles that stand before a name and so never end a sentence ("St." does: "on Main St."), and vs.
_TITLES = frozenset(
    {"Mr", "Mrs", "Ms", "Dr", "Prof", "Gov", "Sen", "Rep", "Rev", "Lt", "Col", "Gen", "Sgt", "Capt"}
    | {"Cmdr", "Adm", "Maj", "Pres", "Supt", "Ft", "Mt", "approx", "vs"}
)
_LAST_WORD = re.compile(r"(?<![A-Za-z])([A-Za-z]+)\.$")
_LIST_NUMBER = re.compile(r"(?:\d{1,3}|[A-Za-z])[.)]")  # "1." on its own: the line is an item
_AFTER_CLOCK = re.compile(
    r"(?:ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|GMT|UTC|BST|CET|Eastern|Central|Mountain|"
    r"Pacific|local|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
# Words sentencex takes for abbreviations (it matches them in any case) that end news sentences:
# the ones seen before a capital in the corpus. Masked as "x"s, which it does not know.
_NOT_ABBREVIATION = re.compile(  # the stop first: 30 times faster than the words first
    r"\.(?=\s)(?:(?<=\bme\.)|(?<=\bmiss\.)|(?<=\bill\.)|(?<=\bart\.)|(?<=\bMay\.))"
)
_QUOTE_MARK = re.compile(r"[\"'“”‘’«»()]")
# An opener follows a space, a dash, another opener or the line start, and precedes a non-space.
_OPENER = re.compile(r"[\"'“‘«(](?<=(?<![^\s\"'“‘«(—–-]).)(?=\S)")
# A closer is any other mark, except an apostrophe between letters or digits ("didn't", "O'Neill").
_CLOSER = re.compile(r"[\"'”’»)](?:(?![^\W_])|(?<=(?<![^\W_]).))")  # mark first: fast
_OPENERS = "\"'“‘«("
_CLOSERS = "\"'”’»)"
_BULLET = re.compile(r"\s*•")  # sentencex never splits a line that starts with this bullet
# The characters str.splitlines() breaks at.
_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and where it sits in its source text."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences; `text[s.start:s.end] == s.text` for each, in order."""
    if len(text) <= _CACHED_CHARS:
        return list(_split_cached(text))
    return _split(text)


@lru_cache(maxsize=2048)
def _split_cached(text: str) -> tuple[Sentence, ...]:
    return tuple(_split(text))


def _split(text: str) -> list[Sentence]:
    spans: list[tuple[int, int]] = []
    line_start = 0
    for brk in [*_LINE_BREAK.finditer(text), None]:
        line_end = len(text) if brk is None else brk.start()
        if line_start < line_end:
            _split_line(spans, text, line_start, line_end)
        line_start = line_end if brk is None else brk.end()
    return [Sentence(text[a:b], a, b) for a, b in spans]


def _split_line(spans: list[tuple[int, int]], text: str, offset: int, line_end: int) -> None:
    """Append the sentences of the line `text[offset:line_end]` to `spans`."""
    line = text[offset:line_end]
    masked = _mask(line)
    first = len(spans)
    for piece in sentencex.get_sentence_boundaries("en", masked):
        start: int = piece["start_index"]
        end: int = piece["end_index"]
        if len(spans) > first:  # closing marks at the start belong to the sentence before
            moved = start
            while moved < end and masked[moved] == "#" and line[moved] in _CLOSERS:
                moved += 1
            if moved > start:
                spans[-1] = (spans[-1][0], offset + moved)
                start = moved
        chunk = masked[start:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        start += len(chunk) - len(chunk.lstrip())
        end = start + len(stripped)
        while start > 0 and masked[start - 1] == " " and line[start - 1] in _OPENERS:
            start -= 1  # an opening mark, masked as a space, starts this sentence
        if len(spans) == first and (bullet := _BULLET.match(line)) is not None:
            start = min(start, bullet.end() - 1)  # the bullet starts the line's first sentence
        if len(spans) > first and _joins(text, spans[-1], offset + start):
            spans[-1] = (spans[-1][0], offset + end)
        else:
            spans.append((offset + start, offset + end))
    if len(spans) == first and line.strip():  # a line of a lone bullet
        lead = len(line) - len(line.lstrip())
        spans.append((offset + lead, offset + len(line.rstrip())))


def _mask(line: str) -> str:
    """`line` as sentencex should see it: the same length, quote marks and parentheses hidden
    (openers and a leading "•" as " ", closers as "#", apostrophes kept) and false abbreviations
    spelled as "x"s."""
    bullet = _BULLET.match(line)
    if bullet is not None:
        line = " " * bullet.end() + line[bullet.end() :]
    if _QUOTE_MARK.search(line) is not None:
        line = _CLOSER.sub("#", _OPENER.sub(" ", line))
    for match in _NOT_ABBREVIATION.finditer(line):
        stop = word = match.start()
        while word and line[word - 1].isalpha():
            word -= 1
        line = line[:word] + "x" * (stop - word) + line[stop:]
    return line


def _joins(text: str, previous: tuple[int, int], start: int) -> bool:
    """Whether the sentence starting at `start` continues the `previous` one on its line."""
    first, end = previous
    last = text[end - 1]
    if last in _CLOSERS and text[start : start + 1].islower():
        return True  # '"Why now?" she asked.'
    if last not in ".)":
        return False
    if end - first <= 4 and _LIST_NUMBER.fullmatch(text, first, end):
        return True
    tail = text[max(first, end - 10) : end]  # the longest title has 6 letters
    word = _LAST_WORD.search(tail)
    if word is not None and word.group(1) in _TITLES:
        return True
    return tail.endswith(("a.m.", "p.m.")) and _AFTER_CLOCK.match(text, start) is not None
