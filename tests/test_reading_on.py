""" "Tell me more" reads on in the article after the conversation's last quote."""

from __future__ import annotations

import pytest

from bot.answer.reading_on import last_question, shown_sentences
from bot.app import build_citebot
from bot.settings import Settings

HONDA = "What is Honda's 2040 target?"


def test_tell_me_more_quotes_what_the_article_says_next_until_it_ends(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    first = answerer.answer(HONDA)
    history = [(HONDA, first.text)]

    more = answerer.answer("tell me more", history=history)
    history.append(("tell me more", more.text))
    end = answerer.answer("go on", history=history)

    assert "2040 [1]" in first.text
    assert more.text.startswith("Nissan is already engaged in a collaboration with Renault")
    assert "northern France [1]." in more.text and "2040" not in more.text  # nothing repeated
    assert [c.doc_id for c in more.citations] == ["seed-nissan-honda-ev"]
    assert not more.refused and not more.small_talk  # an answer: votes, and the next "more"
    assert end.text == "That is all the article says about it." and end.citations == []


def test_tell_me_more_before_any_answer_says_to_ask_first(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer

    alone = answerer.answer("tell me more")
    after_a_refusal = answerer.answer(
        "more?", history=[("Who won the 2018 World Cup?", "I couldn't find that.")]
    )

    for reply in (alone, after_a_refusal):
        assert reply.text.startswith("Ask me a question first") and reply.citations == []


@pytest.mark.parametrize("follow_up", ["more about the Micra", "tell me more about Renault"])
def test_more_about_something_is_a_question(follow_up: str) -> None:
    history = [(HONDA, "Honda targets 100 percent electric sales by 2040 [1].")]

    assert last_question([*history, (follow_up, "x")]) == 1
    assert shown_sentences(history) == ["Honda targets 100 percent electric sales by 2040."]
