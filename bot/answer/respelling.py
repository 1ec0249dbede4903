"""Typos in a question, read as the words of the passages retrieved for it.

People type fast: "most poluted us city", "how big was the data leek", "how old is sue byrd".
Dense retrieval still finds the article, but a misspelt key term is in none of its sentences, so
every sentence seems to miss the rarest word of the question and the answer is refused.

A key term is read as a word of the retrieved passages when:
- no passage (nor its title) holds it: a word the passages have is never changed;
- it is not a common English word (`wordfreq`, Zipf below `ENGLISH_ZIPF`): "cost" must stay
  "cost" and stay missing, so that "how much will it cost?" is still refused when no passage
  gives a cost, even if one says "most" or "post";
- it has at least `MIN_LETTERS` letters, and the passages' words one edit from it (a letter
  dropped, added, changed, or two neighbours swapped) all have the same stem.

A letters-and-digits word that no passage holds is read as its parts when every part is a
passage word: "lk99" and "covid19" as "lk 99" and "covid 19" (the articles write "LK-99", which
the tokeniser splits).

At most `MAX_TRIED` unknown words of a question are looked up. Only the retrieved passages are
searched, not the whole index: a few thousand words, so a typo
rarely has two readings ("poluted": "polluted" in an air-quality story, not "polite"), and the
lookup is one set intersection per unknown word (a few hundred candidate strings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from string import ascii_lowercase

from bot.answer.models import Passage
from ingest.index.language.rarity import zipf
from ingest.index.language.tokens import KeyTerm, is_key_word, stem, words

MIN_LETTERS = 4
MAX_TRIED = 6  # unknown words looked up per question: more than that is not a few typos
ENGLISH_ZIPF = 3.5  # Zipf 3.5 ("mural", "leash"): this common, a real word, not a typo


def one_edit(word: str) -> set[str]:
    """Every string one edit from `word` (deletion, transposition, substitution, insertion)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in ascii_lowercase}
    inserts = {a + c + b for a, b in splits for c in ascii_lowercase}
    return (deletes | swaps | replaces | inserts) - {word}


def respell(
    question: str,
    terms: Sequence[KeyTerm],
    passages: Sequence[Passage],
    held: Callable[[str], bool],
) -> tuple[str, tuple[KeyTerm, ...]]:
    """`question` and its key `terms`, each misspelt one read as the one word of the `passages`
    it is one edit from; `held(stem)`: whether the passages hold a stem. A typo read as a
    stopword ("theyre": "there") is no longer a key term. The passages' words are only gathered
    when some term may be misspelt."""
    vocabulary: set[str] | None = None
    read: list[tuple[KeyTerm, ...]] = []
    tried = 0
    for term in terms:
        reading: tuple[KeyTerm, ...] | None = _parts(term, held)
        if reading is None and tried < MAX_TRIED and _unknown(term, held):
            tried += 1
            if vocabulary is None:
                vocabulary = _words(f"{p.title}\n{p.text}" for p in passages)
            typo = _reading(term, vocabulary)
            reading = (typo,) if typo else None
        read.append(reading or (term,))
    kept = tuple(t for reading in read for t in reading if is_key_word(t.word))
    return _corrected(question, terms, read), kept


def _corrected(question: str, terms: Sequence[KeyTerm], read: Sequence[tuple[KeyTerm, ...]]) -> str:
    """`question` with each misspelt word of `terms` replaced by its reading in `read`."""
    for before, after in zip(terms, read, strict=True):
        spelt = " ".join(t.word for t in after)
        if before.word != spelt:
            pattern = rf"(?<!\w){re.escape(before.word)}(?!\w)"
            question = re.sub(pattern, spelt, question, flags=re.IGNORECASE)
    return question


_PARTS = re.compile(r"[^\W\d_]+|\d+")


def _parts(term: KeyTerm, held: Callable[[str], bool]) -> tuple[KeyTerm, ...] | None:
    """`term` read as its letter and digit parts ("lk99": "lk", "99") when no passage holds it
    and every part is a passage word."""
    parts = _PARTS.findall(term.word)
    if len(parts) < 2 or held(term.stem):
        return None
    read = tuple(KeyTerm(part, stem(part)) for part in parts)
    return read if all(held(t.stem) for t in read) else None


def _words(texts: Iterable[str]) -> set[str]:
    """The lower-case words of `texts`, the vocabulary typos are read against."""
    return {word for text in texts for word in words(text) if len(word) >= MIN_LETTERS}


def _unknown(term: KeyTerm, held: Callable[[str], bool]) -> bool:
    """A word that may be misspelt: long enough, letters only, not English, not in a passage."""
    word = term.word
    if len(word) < MIN_LETTERS or not word.isalpha() or zipf(word) >= ENGLISH_ZIPF:
        return False
    return not held(term.stem)


def _reading(term: KeyTerm, vocabulary: set[str]) -> KeyTerm | None:
    near = one_edit(term.word) & vocabulary
    stems = {stem(w) for w in near}
    if len(stems) != 1:
        return None
    chosen = min(near)  # the stems agree; any spelling of it will do
    return KeyTerm(chosen, stems.pop())
