"""Split passages into sentences with their character spans.

A regex splitter rather than a library: NLTK's punkt and spaCy need model downloads (offline
failure), and pysbd is about ten times slower, which matters on the per-question path. News text
is well punctuated; the abbreviation list covers the titles and initials that show up in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "gov",
    "sen",
    "rep",
    "rev",
    "lt",
    "col",
    "sgt",
    "capt",
    "cmdr",
    "adm",
    "maj",
    "pres",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "vs",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "fig",
    "approx",
    "dept",
    "est",
    "mt",
    "ft",
    "d.c",
    "n.y",
    "calif",
    "ariz",
}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n+")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[.]$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and where it sits in its source text."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences; `text[s.start:s.end] == s.text` for each."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        piece = text[start:end]
        head = text[start : match.start() + 1].rstrip()
        word = _WORD_BEFORE.search(head)
        if "\n" not in match.group() and word is not None:
            token = word.group(1).lower().rstrip(".")
            # "Dr." or "U.S." or an initial ("John F. Kennedy") does not end a sentence,
            # unless the next word clearly starts one and the token is an initialism at the end.
            if token in _ABBREVIATIONS or len(token) == 1:
                continue
        _append(sentences, text, start, end, piece)
        start = end
    if start < len(text):
        _append(sentences, text, start, len(text), text[start:])
    return sentences


def _append(out: list[Sentence], text: str, start: int, end: int, piece: str) -> None:
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = start + lead
    out.append(Sentence(stripped, begin, begin + len(stripped)))
