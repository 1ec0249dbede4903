"""Words, Snowball stems and stopwords: the one tokeniser for BM25, relevance and checks.

`terms` produces exactly the tokens bm25s's own tokenizer gives (its word pattern and English
stopword list, PyStemmer's Snowball stemmer), so the BM25 index, sentence scoring and the citation
check all compare the same units. `key_terms` further drops question words and news boilerplate:
the words that say what is asked, not what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from ingest.index.language.rarity import zipf

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
# Question words, the vocabulary of news boilerplate and of asking for a summary ("summarize the
# article"): they say what is asked or that something was reported, not what it is about. The
# price: "article 50" keeps only "50", and "summary judgment" only "judgment".
# How people type in chat: spellings of question words and fillers that say nothing about the
# topic ("wat was ...", "is it gonna ...", "did they get ... yet"), and contractions typed without
# their apostrophe ("isnt", "hes", "theres"): rare spellings, so background rarity would weigh
# them as a question's most telling words, and BM25 would match the articles that quote them.
CHAT_WORDS = frozenset(
    """wat wats wut wen hw whats gonna wanna gotta u ur ya yall lol btw idk rn tho thx plz yet still
    ever even get gets got getting supposed basically exactly anybody somebody someone guys
    stuff happen happens happened ppl thru abt bc cuz coz yr yrs rly smth sth tbh imo ngl omg
    lmk iirc afaik prob probs probably maybe possibly apparently""".split()  # noqa: SIM905
    + """isnt arent wasnt werent dont doesnt didnt cant couldnt wouldnt shouldnt wont hasnt
    havent hadnt aint im ive youre youve theyre theyve weve hes shes thats theres whos wheres
    whens hows whys""".split()  # noqa: SIM905
)
QUESTION_WORDS = (
    frozenset(
        """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom whose why will with would you your
    yours yourself yourselves said says say according new one two week weeks year years day
    days month months time recently latest last this next first many much people percent
    whats what's hey pls please anyone know tell does did so ok okay like actually really
    summarize summarise summarized summary tldr recap rundown overview explain article
    articles""".split()  # noqa: SIM905
    )
    | CHAT_WORDS
)
# "don't", "isn't", "won't": read as "do not", "is not", "will not", so what stands before the
# apostrophe ("don", "isn", "wo") is no key word ("Don Lemon" keeps its "don").
_NOT = re.compile(r"\b(\w+)n['\u2019]t\b", re.IGNORECASE)
_NOT_VERBS = {"wo": "will", "ca": "can", "ai": "is", "sha": "shall"}


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _bm25_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Lower-cased word tokens of two or more characters (digits included)."""
    return _TOKEN.findall(text.lower())


def terms(text: str) -> list[str]:
    """The index's tokens of `text`: words without stopwords, Snowball-stemmed."""
    stop = _bm25_stopwords()
    return [stem(w) for w in words(text) if w not in stop]


def terms_many(texts: Iterable[str]) -> list[list[str]]:
    """`terms` of each text."""
    return [terms(t) for t in texts]


@dataclass(frozen=True, slots=True)
class KeyTerm:
    """A word of a question that says what it is about: its surface form and its stem."""

    word: str
    stem: str


def is_key_word(word: str) -> bool:
    """Whether a lower-case word says what a question is about (not a stopword, question word,
    misspelt question word or boilerplate)."""
    return (
        word not in QUESTION_WORDS
        and word not in _bm25_stopwords()
        and word not in question_word_typos()
    )


ASKING_WORDS = ("who", "whom", "whose", "what", "which", "where", "when", "why", "how")
TYPO_ZIPF = 3.0  # a misspelling rarer than this in English is no word of its own


@cache
def question_word_typos() -> dict[str, str]:
    """Misspelt question words and what they stand for ("wich": "which", "waht": "what",
    "whre": "where"): one letter dropped or two neighbours swapped, three letters or more, and
    no English word themselves ("hat", "here" and "were" stay words). The passages never hold
    a question word (it is a stopword), so respelling against them cannot correct these."""
    typos: dict[str, str] = {}
    for word in ASKING_WORDS:
        dropped = {word[:i] + word[i + 1 :] for i in range(len(word))}
        swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for typo in sorted((dropped | swapped) - {word}):
            if len(typo) >= 3 and zipf(typo) < TYPO_ZIPF:
                typos.setdefault(typo, word)
    return typos


# Question words as chat types them: contracted without the apostrophe ("whos the ceo") or
# spelt by ear ("wat was it"); and the chat forms of what a question counts or measures ("how
# many ppl", "what yr", "how many hrs").
_CHAT_SPELLINGS = {
    **{f"{word}s": f"{word}'s" for word in ("what", "who", "where", "when", "how", "why")},
    "wat": "what",
    "wut": "what",
    "wats": "what's",
    "wen": "when",  # an English word too (Zipf 3.5), but in a question it asks when
    "hw": "how",
    "ppl": "people",
    "yr": "year",
    "yrs": "years",
    "hrs": "hours",
    "mins": "minutes",
}


@cache
def _respellings() -> dict[str, str]:
    return question_word_typos() | _CHAT_SPELLINGS


_CHAT_WORD = re.compile(
    rf"(?<![\w'’])(?:{'|'.join(sorted(CHAT_WORDS, key=len, reverse=True))})(?![\w'’])",
    re.IGNORECASE,
)


def without_chat_words(text: str) -> str:
    """`text` without its `CHAT_WORDS`, for searching ("how much is donanemab gonna cost" finds
    the article about donanemab, not the ones that quote someone saying "gonna")."""
    return " ".join(_CHAT_WORD.sub(" ", text).split()) or text


@lru_cache(maxsize=1024)  # asked once per candidate sentence of a question
def spell_question_words(text: str) -> str:
    """`text` with its misspelt question words spelt right ("wich movie" -> "which movie",
    "whens it" -> "when's it", "wat share" -> "what share", "how many ppl" -> "how many
    people")."""
    typos = _respellings()
    return _TOKEN.sub(lambda m: typos.get(m.group(0).lower(), m.group(0)), text)


def key_terms(text: str) -> list[KeyTerm]:
    """The question's content words (no question words or boilerplate), first occurrence each."""
    seen: set[str] = set()
    out: list[KeyTerm] = []
    for word in words(_NOT.sub(_not, text)):
        if not is_key_word(word):
            continue
        stemmed = stem(word)
        if stemmed not in seen:
            seen.add(stemmed)
            out.append(KeyTerm(word, stemmed))
    return out


def _not(match: re.Match[str]) -> str:
    verb = match.group(1)
    return f"{_NOT_VERBS.get(verb.lower(), verb)} not"


def key_stems(text: str) -> set[str]:
    """The stems of `key_terms`."""
    return {t.stem for t in key_terms(text)}
