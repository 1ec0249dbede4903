"""The shared language layer: one tokeniser, real stems, rarity that works on a tiny index."""

from __future__ import annotations

from pathlib import Path

import bm25s
import pytest
import Stemmer

from bot.answer.answer_types import answered
from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.language.followups import elliptical, resolve_followup, stands_alone
from ingest.index.language.rarity import background_weight, blended_weight
from ingest.index.language.tokens import key_terms, stem, terms, without_chat_words
from ingest.index.snapshot import snapshot_hook
from ingest.pipeline import ingest
from tests.conftest import write_article


@pytest.mark.parametrize(
    "text",
    [
        "Honda's goal for 2040: 100 percent EVs? News of the U.S. talks",
        "The Micra will be manufactured in northern France, TV Tokyo reported.",
        "Prices rose 3.5% to $1,200 on Friday at 5 p.m.",
    ],
)
def test_terms_are_the_bm25_index_tokens(text: str) -> None:
    expected = bm25s.tokenize(
        [text],
        stopwords="en",
        stemmer=Stemmer.Stemmer("english"),
        return_ids=False,
        show_progress=False,
    )[0]
    assert terms(text) == expected


def test_snowball_keeps_news_apart_from_new() -> None:
    assert stem("news") != stem("new")
    assert stem("partnerships") == stem("partnership")


def test_key_terms_drop_question_words_and_chat_filler() -> None:
    assert [t.word for t in key_terms("hey whats honda's goal for 2040?")] == [
        "honda",
        "goal",
        "2040",
    ]
    assert [t.word for t in key_terms("how many ppl got sick thru the yr tbh")] == ["sick"]
    assert [t.word for t in key_terms("whose idea was the rebrand?")] == ["idea", "rebrand"]
    # A misspelt question word is no topic ("here" and "hat" are words, not typos).
    assert [t.word for t in key_terms("wich show got the most emmy nods?")] == [
        "show",
        "emmy",
        "nods",
    ]
    assert [t.word for t in key_terms("whre is the hat from here")] == ["hat"]
    # asking for a summary says nothing about the topic: "article" drew a second sentence about
    # another article's "13,000-word report" into "summarize the LK-99 article"
    assert [t.word for t in key_terms("can u summarize the LK-99 article")] == ["lk", "99"]


def test_contractions_are_no_key_terms_with_or_without_their_apostrophe() -> None:
    def words(question: str) -> list[str]:
        return [t.word for t in key_terms(question)]

    assert words("whos the mayor rn, isnt it jackson?") == ["mayor", "jackson"]
    assert words("why won't they vote on the don't say gay bill?") == ["vote", "gay", "bill"]
    assert words("what did Don Lemon say after he won?") == ["don", "lemon", "won"]
    # A follow-up's topic is the earlier question's story, not its "isnt".
    resolved = resolve_followup("what company does he run", ["bill gates isnt 2nd richest?"])
    assert "isnt" not in resolved and "gates" in resolved


def test_a_one_article_index_still_weighs_names_and_years_above_common_words() -> None:
    # One document: every IDF is the same, so the background frequencies decide.
    def idf(_stem: str) -> float:
        return 0.29

    def weight(word: str) -> float:
        return blended_weight(word, stem(word), idf=idf, documents=1)

    assert weight("honda") > weight("goal")
    assert weight("2040") > weight("goal")
    assert weight("micra") > weight("built")
    assert background_weight("the") == 0.0


def test_a_follow_up_that_refers_back_takes_the_previous_topic() -> None:
    resolved = resolve_followup(
        "and where will it be built?", ["when does the new electric Micra go on sale?"]
    )
    assert resolved.startswith("and where will it be built?")
    assert "micra" in resolved


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("what about bill daley?", "bill daley?"),
        ("and the kids under 5?", "the kids under 5?"),
        ("so how about in europe", "in europe"),
        ("and where will it be built?", None),  # asks something itself
        ("what about the floods in the philippines, how many died there?", None),
        ("and is it open to kids?", None),
        ("who won the 2018 World Cup?", None),
    ],
)
def test_an_elliptical_follow_up_is_one_that_only_names_something(
    question: str, named: str | None
) -> None:
    assert elliptical(question) == named


def test_an_elliptical_follow_up_asks_what_the_previous_question_asked() -> None:
    previous = "how much money did lori lightfoot raise for her mayoral campaign?"
    resolved = resolve_followup("what about bill daley?", [previous])
    assert resolved.startswith("how much money: bill daley?")
    assert "lightfoot" in resolved  # the story's words still find the article


def test_what_about_someone_else_gets_the_same_kind_of_answer(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    write_article(
        folder,
        "chicago.md",
        "Lori Lightfoot will face Toni Preckwinkle in the runoff for mayor of Chicago. Former "
        "Commerce Secretary Bill Daley, who won 14.8 percent of the vote, conceded late Tuesday "
        "and congratulated Lightfoot. Lightfoot raised about $1.2 million for her mayoral "
        "campaign, the least among the top three candidates. Daley raised $8.7 million, more "
        "than anyone else in the race.",
        id="chicago",
        title="Lightfoot and Preckwinkle head to a runoff in Chicago",
    )
    ingest([folder], settings=settings, embedder=embedder, after_write=snapshot_hook(settings))
    answerer = build_citebot(settings).answerer
    first = "how much money did lori lightfoot raise for her campaign?"
    said = answerer.answer(first)
    assert "$1.2 million" in said.text

    followup = answerer.answer(answerer.standalone("what about bill daley?", [(first, said.text)]))

    # the money Daley raised, not his concession (what "what about bill daley?" alone finds)
    assert "$8.7 million" in followup.text


def test_a_follow_up_with_its_own_topic_stands_alone(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer
    question = "Who won the 2018 World Cup in Russia?"
    history = [("when does the new electric Micra go on sale?", "")]

    assert stands_alone(question)
    assert answerer.standalone(question, history) == question
    assert answerer.answer(answerer.standalone(question, history)).refused


def test_a_thread_question_of_its_own_keeps_the_thread_story_when_that_holds_it_best(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    """Asked alone, "who won the Conn Smythe?" finds last year's (its title says so); in a
    thread about this year's final, that final is the article it asks about."""
    folder = tmp_path / "articles"
    write_article(
        folder,
        "old.md",
        "Nikita Kucherov of the Lightning won the Conn Smythe Trophy as the most valuable "
        "player of the playoffs, a year after the Lightning lifted the cup.",
        id="final-2021",
        title="Kucherov wins the Conn Smythe",
    )
    write_article(
        folder,
        "new.md",
        "The Colorado Avalanche beat Tampa Bay to win the Stanley Cup on Sunday. Defenseman Cale "
        "Makar won the Conn Smythe as playoff MVP.",
        id="final-2022",
        title="Colorado Avalanche win the Stanley Cup",
    )
    ingest([folder], settings=settings, embedder=embedder, after_write=snapshot_hook(settings))
    answerer = build_citebot(settings).answerer
    question = "who won the conn smythe?"
    history = [("did colorado win the stanley cup?", "")]
    assert stands_alone(question)
    assert answerer.retrieve(question)[0].doc_id == "final-2021"

    resolved = answerer.standalone(question, history)

    assert resolved.startswith(question) and "colorado" in resolved
    assert answerer.retrieve(resolved)[0].doc_id == "final-2022"
    assert "Cale Makar" in answerer.answer(resolved).text


def test_a_thread_question_that_alone_finds_no_answer_is_asked_with_the_thread_story(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    """Alone, "how much emergency money did the mayor ask for?" finds the Zika request, which
    names no sum, and is refused; in a thread about Jackson's water it asks about Jackson."""
    folder = tmp_path / "articles"
    write_article(
        folder,
        "zika.md",
        "President Obama asked Congress on Monday for emergency money to fight the Zika virus. "
        "The White House said the details of the request would follow later this month.",
        id="zika",
        title="Obama asks Congress for emergency money to fight Zika",
    )
    write_article(
        folder,
        "jackson.md",
        "Residents of Jackson, Mississippi, have been without safe water for weeks since a winter "
        "storm broke the city's pipes, and the city has declared a water emergency. Chokwe "
        "Lumumba requested about $47 million from the state and federal government to repair "
        "the water system.",
        id="jackson",
        title="Jackson has been without safe water for weeks",
    )
    ingest([folder], settings=settings, embedder=embedder, after_write=snapshot_hook(settings))
    answerer = build_citebot(settings).answerer
    question = "how much emergency money did the mayor ask for?"
    history = [("why has jackson been without safe water for weeks?", "")]
    assert stands_alone(question)
    assert answerer.answer(question).refused

    resolved = answerer.standalone(question, history)

    assert resolved.startswith(question) and "jackson" in resolved
    assert "$47 million" in answerer.answer(resolved).text


def test_a_follow_up_about_whom_the_last_answer_named_searches_for_them(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    first = "Who is Nissan working with in Europe?"
    said = answerer.answer(first)
    assert "Renault" in said.text

    resolved = answerer.standalone("what are they planning together?", [(first, said.text)])

    # the name the answer gave comes first, then the earlier question's topic
    assert resolved.startswith("what are they planning together? (renault ")
    assert "nissan" in resolved


def test_what_an_answer_named_is_read_only_from_cited_answers_to_who_and_where() -> None:
    cited = "Bernard Arnault, the head of LVMH, overtook Bill Gates on Tuesday [1]."
    assert answered("who passed Bill Gates?", cited) == ["Bernard Arnault"]
    assert answered("where is the Micra built?", "It is made in northern France [1].") == ["France"]
    assert answered("who passed Bill Gates?", "I couldn't find that in the indexed articles.") == []
    assert answered("how old is Bill Gates?", "Gates, 67, said [1].") == []
    assert answered("did Arnault pass Gates?", cited) == []  # a yes/no question names nobody


def test_a_question_in_another_language_is_told_so(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer

    answer = answerer.answer("Qui a gagné la Coupe du monde 2018 ?")

    assert answer.refused and answer.unsupported_language
    assert answer.refusal_text() == "I can only answer questions in English for now."


def test_searching_drops_chat_words_but_never_the_whole_question() -> None:
    assert (
        without_chat_words("how much is donanemab gonna cost lol") == "how much is donanemab cost"
    )
    assert without_chat_words("Whos the CEO of Tesla rn?") == "the CEO of Tesla ?"
    assert without_chat_words("gonna") == "gonna"  # nothing else to search for


def test_a_hedge_is_not_what_a_question_asks_about() -> None:
    # "prob"/"maybe" say how sure the asker is, not what is asked; as key terms they would count
    # against the passages that answer (and pull in articles that quote them).
    assert [t.word for t in key_terms("who's prob gonna replace pelosi as house leader")] == [
        "replace",
        "pelosi",
        "house",
        "leader",
    ]
    assert [t.word for t in key_terms("maybe the micra is built in france?")] == [
        "micra",
        "built",
        "france",
    ]


@pytest.mark.parametrize(("typed", "spelt"), [("wen", "when"), ("hw", "how")])
def test_chat_spellings_of_question_words_are_no_key_terms(typed: str, spelt: str) -> None:
    question = "{} many employees did musk fire at twitter"

    assert [t.word for t in key_terms(question.format(typed))] == [
        t.word for t in key_terms(question.format(spelt))
    ]
