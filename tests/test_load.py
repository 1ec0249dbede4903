"""Load: 500 questions from 50 users through the real Discord app, with a slow fake LLM.

The bot runs on dpytest's fake Discord; the model is the mocked OpenAI wire answering each
request after a random 0.1-1 s. Questions arrive in rounds of 100 (two per user); the rate
limiter's clock moves 12 s between rounds, so each user regains one of its 5 tokens per round.
Every question must get exactly one answer or one rate-limit notice, each user exactly the
number of answers the limit allows, and memory must not grow from round to round.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any

import discord.ext.test as dpytest
import httpx2
import psutil
import pytest
from discord.ext.test import backend

from bot.app import build_citebot
from bot.discord_app.client import DiscordApp
from bot.discord_app.ratelimit import RateLimiter
from bot.settings import Settings
from tests.conftest import _stream_response, chat_completion
from tests.discord_support import connect_dpytest, patch_dpytest, pings_nobody

pytestmark = pytest.mark.slow

USERS = 50
ROUNDS = 5
PER_USER_PER_ROUND = 2  # 50 users x 2 x 5 rounds = 500 questions
LIMIT_PER_MINUTE = 5
ROUND_SECONDS = 12.0  # one token back per round
REPLY = "Honda aims for 100 percent electric and fuel cell vehicle sales by 2040 [1]."
QUESTIONS = [
    "What is Honda's 2040 target?",
    "What does Honda aim for by 2040?",
]
MAX_GROWTH_MB = 40


class SlowModel:
    """An OpenAI-compatible endpoint that answers after 0.1-1 s (streaming or not)."""

    def __init__(self, seed: int = 6):
        self.rng = random.Random(seed)
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.rng.uniform(0.1, 1.0))
        finally:
            self.in_flight -= 1
        if json.loads(request.content).get("stream"):
            return _stream_response(REPLY, "test-model-1")
        return httpx2.Response(200, json=chat_completion(REPLY, "test-model-1"))


def expected_answers(rounds: int) -> int:
    """Answers one user gets asking PER_USER_PER_ROUND per round under the token bucket."""
    tokens, answered = float(LIMIT_PER_MINUTE), 0
    for round_no in range(rounds):
        if round_no:
            tokens = min(LIMIT_PER_MINUTE, tokens + ROUND_SECONDS * LIMIT_PER_MINUTE / 60)
        taken = min(PER_USER_PER_ROUND, int(tokens))
        tokens -= taken
        answered += taken
    return answered


def rss_mb() -> float:
    gc.collect()
    return float(psutil.Process().memory_info().rss) / 2**20


async def test_500_questions_from_50_users(
    llm_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = SlowModel()
    settings = llm_settings.model_copy(
        update={"feedback_db": tmp_path / "feedback.sqlite3", "llm_deadline": 20.0}
    )
    citebot = build_citebot(
        settings, http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(model.handle))
    )
    wire = patch_dpytest(monkeypatch)
    app = DiscordApp(citebot, stream_interval=0.2)
    await connect_dpytest(app.client, members=USERS)
    config = dpytest.get_config()
    now = {"t": 0.0}
    app.handler.limiter = RateLimiter(LIMIT_PER_MINUTE, clock=lambda: now["t"])
    me = app.client.user
    assert me is not None
    channel = config.channels[0]
    members = config.members
    assert len(members) == USERS

    asked: dict[int, int] = {}  # question message id -> user id
    memory: list[float] = []
    caplog.set_level(logging.WARNING)
    for round_no in range(ROUNDS):
        now["t"] = round_no * ROUND_SECONDS
        for turn in range(PER_USER_PER_ROUND):
            for user_no, member in enumerate(members):
                question = QUESTIONS[(user_no + turn + round_no) % len(QUESTIONS)]
                message = backend.make_message(f"<@{me.id}> {question}", member, channel)
                asked[message.id] = member.id
        await asyncio.wait_for(dpytest.run_all_events(), timeout=300)
        await _drain(app)
        memory.append(rss_mb())

    answers: Counter[int] = Counter()
    notices: Counter[int] = Counter()
    answered_by_user: Counter[int] = Counter()
    for payload in wire.sends:
        assert pings_nobody(payload), payload
        reference = (payload.get("message_reference") or {}).get("message_id")
        if payload["channel_id"] in asked:  # a thread opened on the question
            answers[payload["channel_id"]] += 1
        elif reference is not None and int(reference) in asked:
            notices[int(reference)] += 1
            assert "asking faster than I can keep up" in payload["content"]
    for question_id, user_id in asked.items():
        assert answers[question_id] + notices[question_id] == 1, (
            f"question {question_id}: {answers[question_id]} answers, "
            f"{notices[question_id]} notices"
        )
        answered_by_user[user_id] += answers[question_id]

    assert len(asked) == USERS * PER_USER_PER_ROUND * ROUNDS == 500
    assert set(answered_by_user.values()) == {expected_answers(ROUNDS)}
    assert sum(answers.values()) == USERS * expected_answers(ROUNDS) == model.requests
    final = [
        e for e in wire.edits if e["channel_id"] in asked and "[1]" in (e.get("content") or "")
    ]
    answered = {q for q in asked if answers[q]}
    assert {e["channel_id"] for e in final} | _answered_without_edit(wire, asked) == answered
    assert "error" not in caplog.text.lower(), caplog.text[-2000:]
    growth = memory[-1] - memory[1]
    print(
        f"\nload: 500 questions, {sum(answers.values())} answered, {sum(notices.values())} "
        f"rate-limited; model calls in flight at most {model.max_in_flight}; "
        f"RSS per round (MB): {', '.join(f'{m:.0f}' for m in memory)}"
    )
    assert growth < MAX_GROWTH_MB, f"memory grew {growth:.0f} MB over rounds 2-{ROUNDS}"


def _answered_without_edit(wire: Any, asked: dict[int, int]) -> set[int]:
    """Threads whose answer arrived in one send (no streaming edit)."""
    return {
        p["channel_id"]
        for p in wire.sends
        if p["channel_id"] in asked and "[1]" in (p.get("content") or "")
    }


async def _drain(app: DiscordApp) -> None:
    """Wait for background tasks (streaming edits) the handler started."""
    for _ in range(50):
        pending = [
            t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()
        ]
        if not pending:
            return
        await asyncio.sleep(0.05)
