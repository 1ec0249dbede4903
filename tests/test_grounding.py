"""Grounding in LLM mode: what the prompt demands, and how unsupported answers are handled."""

from __future__ import annotations

from bot.answer import prompts
from bot.app import build_citebot
from bot.settings import Settings
from tests.conftest import OpenAIWire


def test_prompt_carries_date_sources_only_citations_and_dont_know(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply("Honda targets 100 percent electric and fuel cell vehicle sales by 2040 [1].")
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    citebot.answerer.answer("What is Honda's 2040 target?", as_of="2024-03-20")

    system, user = (m["content"] for m in openai_wire.requests[0]["json"]["messages"])
    assert "2024-03-20" in system  # the as-of date
    assert "this week" in system  # ...and how to read relative dates against it
    assert "Answer only from the sources" in system
    assert "Cite every sentence" in system and "[1]" in system
    assert prompts.NOT_FOUND in system  # what to say when the sources do not hold the answer
    assert '<source n="1"' in user and "published=" in user


def test_answer_whose_central_claim_is_unsupported_is_not_posted(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    # the model cites [1] for a claim the source does not make
    openai_wire.reply("Honda will stop selling cars in Japan in 2030 [1].")
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("What is Honda's 2040 target?", as_of="2024-03-20")

    assert "stop selling" not in answer.text
    assert answer.refused or answer.mode == "extractive"
    for citation in answer.citations:
        assert citation.doc_id == "seed-nissan-honda-ev"


def test_unsupported_citation_numbers_are_dropped_and_renumbered(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply(
        "Honda targets 100 percent electric and fuel cell vehicle sales by 2040 [7][1]."
    )
    citebot = build_citebot(llm_settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer("What is Honda's 2040 target?", as_of="2024-03-20")

    assert not answer.refused
    assert "[7]" not in answer.text and answer.text.endswith("[1].")
    assert [c.n for c in answer.citations] == [1]
