"""LLM mode in Discord: streamed edits, the finished answer with sources, the labelled fallback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord.ext.test as dpytest
import httpx2
import pytest

from bot.answer.answering import FALLBACK_NOTICE
from bot.app import build_citebot
from bot.discord_app.client import DiscordApp
from bot.feedback import FeedbackStore
from bot.settings import Settings
from tests.conftest import OpenAIWire
from tests.discord_support import Wire, connect_dpytest, patch_dpytest, pings_nobody

SEED_QUESTION = "What is Honda's 2040 target?"
MODEL_ANSWER = (
    "Honda targets 100 percent electric and fuel cell vehicle sales by 2040 [1]. "
    "Nissan is considering working with Honda on key EV components [1]."
)


async def start(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    stream_interval: float,
) -> tuple[DiscordApp, Wire]:
    wire = patch_dpytest(monkeypatch)
    settings = llm_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    citebot = build_citebot(
        settings, http_client=openai_wire.client(), http_async_client=openai_wire.async_client()
    )
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    app = DiscordApp(citebot, feedback=feedback, stream_interval=stream_interval)
    await connect_dpytest(app.client, members=1)
    return app, wire


def mention(app: DiscordApp, text: str) -> str:
    assert app.client.user is not None
    return f"<@{app.client.user.id}> {text}"


async def test_streams_by_editing_then_finalises_with_sources(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    openai_wire.reply(MODEL_ANSWER)
    app, wire = await start(llm_settings, openai_wire, monkeypatch, tmp_path, stream_interval=0)

    await dpytest.message(mention(app, SEED_QUESTION))

    assert openai_wire.requests[0]["json"]["stream"] is True
    [first] = wire.sends  # one message, shown while the model writes, then edited in place
    assert first["content"].endswith("…") and not first.get("embeds")
    *partials, final = wire.edits
    assert all(p["content"].endswith("…") for p in partials)
    assert [len(p["content"]) for p in partials] == sorted(len(p["content"]) for p in partials)
    assert "2040 [1]." in final["content"] and not final["content"].endswith("…")
    assert final["embeds"][0]["title"] == "Sources"
    assert "Written by the model" in final["embeds"][0]["footer"]["text"]
    assert len(final["components"][0]["components"]) == 2  # 👍/👎 arrive with the final answer
    assert all(pings_nobody(p) for p in wire.payloads())
    await dpytest.empty_queue()


async def test_edits_are_throttled_to_about_one_per_second(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    openai_wire.reply(MODEL_ANSWER)  # ~20 streamed chunks, delivered at once
    app, wire = await start(llm_settings, openai_wire, monkeypatch, tmp_path, stream_interval=1.0)

    await dpytest.message(mention(app, SEED_QUESTION))

    assert len(wire.sends) == 1 and len(wire.edits) == 1  # first words, then the final answer
    assert wire.edits[0]["embeds"]
    await dpytest.empty_queue()


async def test_model_failure_falls_back_to_a_labelled_extractive_answer(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openai_wire.reply(
        lambda request: httpx2.Response(503, json={"error": {"message": "overloaded"}})
    )
    app, wire = await start(llm_settings, openai_wire, monkeypatch, tmp_path, stream_interval=0)

    await dpytest.message(mention(app, SEED_QUESTION))

    [answer] = wire.sends
    assert FALLBACK_NOTICE in answer["content"] and "2040" in answer["content"]
    assert answer["embeds"][0]["footer"]["text"].startswith("Fallback")
    assert "overloaded" not in answer["content"]
    assert "LLM failed" in caplog.text
    await dpytest.empty_queue()


async def test_follow_up_is_rewritten_by_the_model_before_retrieval(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    openai_wire.reply(MODEL_ANSWER, "Which company may Nissan partner with on EVs?", MODEL_ANSWER)
    app, wire = await start(llm_settings, openai_wire, monkeypatch, tmp_path, stream_interval=0)
    question = await dpytest.message(mention(app, SEED_QUESTION))
    thread = question.guild.get_thread(question.id) if question.guild else None
    assert thread is not None

    await dpytest.message("and who might it partner with?", channel=thread)

    condense = openai_wire.requests[1]["json"]["messages"][0]["content"]
    assert SEED_QUESTION in condense and "and who might it partner with?" in condense
    answer_prompt = openai_wire.requests[2]["json"]["messages"][1]["content"]
    assert "Which company may Nissan partner with on EVs?" in answer_prompt
    assert len([p for p in wire.payloads() if p.get("embeds")]) == 2
    await dpytest.empty_queue()


async def test_silent_endpoint_gives_the_quoted_answer_after_the_first_token_timeout(
    llm_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def silent(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(60)
        return httpx2.Response(503)

    settings = llm_settings.model_copy(
        update={"llm_first_token_timeout": 0.5, "llm_deadline": 60.0, "llm_max_retries": 2}
    )
    openai_wire.reply(*[silent] * 3)
    app, wire = await start(settings, openai_wire, monkeypatch, tmp_path, stream_interval=0)

    await dpytest.message(mention(app, SEED_QUESTION))

    [answer] = wire.sends
    assert FALLBACK_NOTICE in answer["content"] and "2040" in answer["content"]
    assert "sent nothing within 0.5 s" in caplog.text
    assert len(openai_wire.requests) == 1, "a silent endpoint is not asked again"
    await dpytest.empty_queue()
