"""100 questions at once through the async answering path, with a fake LLM that takes 1 s."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

from benchmarks.common import Context, Result, bench_settings, dev_questions, ensure_corpus_store
from benchmarks.fakes import SlowEchoChatModel

TITLE = "5. Concurrency: 100 questions at once, fake LLM taking 1 s"
QUESTIONS = 100
TICK = 0.005


async def _ticker(stop: asyncio.Event, stalls: list[float]) -> None:
    # A task that wants to run every TICK seconds: any lateness is time the loop was blocked.
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(TICK)
        stalls.append(time.perf_counter() - before - TICK)


async def burst(answerer: object, questions: list[tuple[str, str]]) -> tuple[float, float, int]:
    """Answer all questions concurrently: (wall seconds, max loop stall seconds, answered)."""
    stop = asyncio.Event()
    stalls: list[float] = []
    ticker = asyncio.create_task(_ticker(stop, stalls))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(answerer.aanswer(q, as_of=when) for q, when in questions)  # type: ignore[attr-defined]
    )
    wall = time.perf_counter() - started
    stop.set()
    await ticker
    answered = sum(1 for a in answers if a.mode == "llm" and not a.refused)
    return wall, max(stalls, default=0.0), answered


def run(ctx: Context) -> Result:
    """Run the burst once warm and report wall time and the worst event-loop stall."""
    from bot.app import build_citebot

    result = Result("concurrency", TITLE)
    questions = (dev_questions() * 2)[:QUESTIONS]
    ensure_corpus_store(ctx)
    answerer = build_citebot(bench_settings(), llm=SlowEchoChatModel(delay=1.0)).answerer
    answerer.answer(questions[0][0])  # load the model and the indexes before timing
    cold_wall, cold_stall, _ = asyncio.run(burst(answerer, questions))
    wall, stall, answered = asyncio.run(burst(answerer, questions))
    result.add("first burst (async path cold): wall time", cold_wall, "s")
    result.add("first burst (async path cold): max loop stall", cold_stall * 1000, "ms")
    result.add("Answerer.aanswer x100: total wall time", wall, "s", at_most=3)
    result.add("Answerer.aanswer x100: max event-loop stall", stall * 1000, "ms", at_most=100)
    result.add("answered with citations by the fake LLM (the rest: refusals)", answered)
    result.notes.append(
        "The first burst pays one-off costs on the loop (LangChain's first async call sets up "
        "its callback machinery); the second is the steady state a running bot sees."
    )
    if importlib.util.find_spec("bot.discord_app.handler") is None:
        result.notes.append(
            "bot.discord_app.handler is not here; only the answering path was driven."
        )
    else:
        handler = discord_handler(answerer)
        hwall, hstall, sends = asyncio.run(burst_handler(handler, questions))
        result.add("Discord QuestionHandler.deliver x100: total wall time", hwall, "s", at_most=3)
        result.add(
            "Discord QuestionHandler.deliver x100: max loop stall", hstall * 1000, "ms", at_most=100
        )
        result.add("Discord messages sent or edited", sends)
        result.notes.append(
            "The Discord path is the bot's QuestionHandler.deliver (streaming edits, rendering, "
            "sending) into a fake channel; Discord's servers are not involved."
        )
    return result


class FakeSent:
    """A sent Discord message that accepts edits."""

    def __init__(self, counter: list[int]):
        self.counter = counter

    async def edit(self, **_: Any) -> FakeSent:
        """Record an edit."""
        self.counter[0] += 1
        return self


class FakeChannel:
    """A Discord channel target that records sends."""

    channel_id = 1

    def __init__(self, counter: list[int]):
        self.counter = counter

    async def send(self, out: Any, view: Any = None) -> FakeSent:
        """Record a send."""
        self.counter[0] += 1
        return FakeSent(self.counter)


def discord_handler(answerer: Any) -> Any:
    """The bot's Discord question handler around `answerer` (no client, no feedback store)."""
    from bot.discord_app.handler import QuestionHandler

    return QuestionHandler(settings=bench_settings(), answerer=answerer, me=lambda: None)


async def burst_handler(handler: Any, questions: list[tuple[str, str]]) -> tuple[float, float, int]:
    """Deliver all questions at once into fake channels: (wall s, max stall s, messages)."""
    counter = [0]
    stop = asyncio.Event()
    stalls: list[float] = []
    ticker = asyncio.create_task(_ticker(stop, stalls))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await asyncio.gather(
        *(handler.deliver(q, as_of=when, target=FakeChannel(counter)) for q, when in questions)
    )
    wall = time.perf_counter() - started
    stop.set()
    await ticker
    return wall, max(stalls, default=0.0), counter[0]
