"""Typos in questions, read as the words of the retrieved passages."""

from __future__ import annotations

from bot.answer.answerability import prepare
from bot.answer.models import Passage
from bot.answer.respelling import one_edit, respell
from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.language.tokens import key_terms

AIR = "Los Angeles remained the most polluted city in the report, which also tracks Delhi."


def _never_held(_stem: str) -> bool:
    return False


def _read(question: str, passage: str) -> list[str]:
    passages = [Passage("c1", "d1", passage, "")]
    _, read = respell(question, key_terms(question), passages, _never_held)
    return [t.word for t in read]


def test_one_edit_covers_the_four_typos_people_make() -> None:
    near = one_edit("polluted")
    assert {"poluted", "pollutde", "pollated", "pollluted"} <= near
    assert "polluted" not in near


def test_a_misspelt_word_is_read_as_the_passage_word_one_edit_away() -> None:
    assert _read("most poluted city in the report", AIR) == ["polluted", "city", "report"]


def test_a_common_english_word_stays_as_typed_so_a_missing_detail_stays_missing() -> None:
    # "cost" is one edit from "most", but it is a word: changing it would make a question the
    # passage does not answer look answered.
    assert _read("how much will the cost be", AIR) == ["cost"]


def test_a_typo_with_two_readings_stays_as_typed() -> None:
    assert _read("the data leek", "The leak was huge. Hackers seek buyers.") == ["data", "leek"]


def test_a_typo_of_a_stopword_is_no_key_term() -> None:
    # "thier" is "their": a word that says nothing about the topic, so no passage should be
    # judged by whether it holds it.
    passage = "Their rocket launch is set for Friday, the agency said."
    assert _read("when is thier rocket launch", passage) == ["rocket", "launch"]


def test_a_word_the_passages_hold_is_never_changed() -> None:
    passages = [Passage("c1", "d1", "dehli pollution", "")]
    _, read = respell(
        "delhi polution", key_terms("delhi polution"), passages, {"delhi"}.__contains__
    )
    assert [t.word for t in read] == ["delhi", "pollution"]


def test_only_the_first_few_unknown_words_are_looked_up() -> None:
    passage = "zebra " * 3 + " ".join(f"zorb{c}x" for c in "abcdefgh")
    typed = " ".join(f"zorb{c}" for c in "abcdefgh")  # eight words, each one edit from one there
    assert _read(typed, passage) == [f"zorb{c}x" for c in "abcdef"] + ["zorbg", "zorbh"]


def test_the_question_text_is_corrected_where_it_was_misspelt() -> None:
    passages = [Passage("c1", "d1", AIR, "")]
    text, _ = respell("Most Poluted city?", key_terms("Most Poluted city?"), passages, _never_held)
    assert text == "Most polluted city?"


def test_prepare_reads_typos_against_the_retrieved_passages() -> None:
    passage = Passage("c1", "d1", AIR, "IQAir report")
    question = prepare("most poluted us city", None, [passage])

    assert "pollut" in {t.stem for t in question.terms}
    assert question.text == "most polluted us city"
    assert prepare("most poluted us city", None).text == "most poluted us city"  # no passages


def test_a_misspelt_company_name_is_answered_like_the_right_one(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer
    typed = answerer.answer("What's Hnoda's goal for 2040?")
    right = answerer.answer("What's Honda's goal for 2040?")

    assert not typed.refused
    assert "100 percent electric and fuel cell vehicle sales by 2040" in typed.text
    assert typed.answerability == right.answerability


def test_letters_and_digits_typed_together_are_read_as_the_passages_parts() -> None:
    passage = "LK-99 is made of lead, copper and phosphorus, and Covid-19 cases fell."
    held = {t.stem for t in key_terms(passage)}.__contains__
    passages = [Passage("c1", "d1", passage, "")]
    typed = "lk99 made of what? and covid19?"

    question, read = respell(typed, key_terms(typed), passages, held)
    _, kept = respell("the 64th award", key_terms("the 64th award"), passages, held)

    assert [t.word for t in read] == ["lk", "99", "made", "covid", "19"]
    assert question == "lk 99 made of what? and covid 19?"
    assert [t.word for t in kept] == ["64th", "award"]  # "th" is no passage word: as typed
