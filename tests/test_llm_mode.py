"""LLM mode against a mocked OpenAI wire: the request we send and how the reply is used."""

from __future__ import annotations

from bot.app import build_citebot
from bot.settings import Settings
from tests.conftest import OpenAIWire


def test_request_carries_model_question_and_numbered_sources(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply(
        "Honda aims for 100 percent electric and fuel cell vehicle sales by 2040 [1]."
    )
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("What is Honda's 2040 target?", as_of="2024-03-20")

    sent = openai_wire.requests[0]
    assert sent["url"] == "http://llm.test/v1/chat/completions"
    assert sent["json"]["model"] == "test-model-1"
    assert sent["headers"]["authorization"] == "Bearer sk-test-not-a-real-key"
    system, user = sent["json"]["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "2024-03-20" in system["content"]
    assert "only from the sources" in system["content"].lower() or "only from" in system["content"]
    assert "What is Honda's 2040 target?" in user["content"]
    assert '<source n="1"' in user["content"] and "2040" in user["content"]

    assert answer.mode == "llm" and not answer.refused
    assert answer.text.endswith("[1].")
    assert answer.citations[0].n == 1
    assert answer.citations[0].doc_id == "seed-nissan-honda-ev"
    assert "2040" in answer.citations[0].quote


def test_model_says_it_does_not_know(llm_settings: Settings, openai_wire: OpenAIWire) -> None:
    openai_wire.reply("I don't know based on these sources.")
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("What did Nissan say about Honda's EV battery plant?")

    assert answer.refused
    assert answer.citations == []


def test_a_paraphrased_question_reaches_the_model(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    # "goal" is not a word of the article (it says "targets"); the model still gets to decide.
    openai_wire.reply(
        "Honda's goal is 100 percent electric and fuel cell vehicle sales by 2040 [1]."
    )
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("what's honda's goal for 2040?")

    assert len(openai_wire.requests) == 1
    assert (
        "what's honda's goal for 2040?" in openai_wire.requests[0]["json"]["messages"][1]["content"]
    )
    assert answer.mode == "llm" and not answer.refused


def test_an_off_topic_question_is_refused_without_asking_the_model(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("Who won the 2018 World Cup?")

    assert answer.refused
    assert openai_wire.requests == []
