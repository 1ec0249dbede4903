"""The LLM endpoint misbehaves, one fault per case: the user still gets a cited answer.

Each fault is served by the mocked OpenAI wire. Transient faults are retried (bounded, with
jittered backoff); when retries or the question's deadline run out the answer is the extractive
one, labelled as a fallback, and the log says what went wrong.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator

import httpx2
import pytest

from bot.answer.answering import FALLBACK_NOTICE
from bot.answer.models import Answer
from bot.app import Citebot, build_citebot
from bot.settings import Settings
from tests.conftest import OpenAIWire, chat_completion

QUESTION = "What is Honda's 2040 target?"
GOOD_REPLY = "Honda aims for 100 percent electric and fuel cell vehicle sales by 2040 [1]."


def status(code: int, **headers: str) -> Callable[[httpx2.Request], httpx2.Response]:
    """A handler answering with an HTTP error."""
    return lambda request: httpx2.Response(
        code, headers=headers, json={"error": {"message": f"fault {code}", "type": "server"}}
    )


def raising(exc: Exception) -> Callable[[httpx2.Request], httpx2.Response]:
    """A handler whose connection fails with `exc`."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return handler


def malformed_json(request: httpx2.Request) -> httpx2.Response:
    """A 200 whose JSON body is cut off."""
    return httpx2.Response(
        200, headers={"content-type": "application/json"}, content=b'{"id": "x", "choices": [{'
    )


def _reply(request: httpx2.Request, content: str | None) -> httpx2.Response:
    """A well-formed reply holding `content`, streamed when the request asks for a stream."""
    if json.loads(request.content or b"{}").get("stream"):
        delta = {"role": "assistant", "content": content}
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": "stop"}]
        body = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    reply = chat_completion("", "test-model-1")
    reply["choices"][0]["message"]["content"] = content
    return httpx2.Response(200, json=reply)


def empty_content(request: httpx2.Request) -> httpx2.Response:
    """A well-formed reply with no text."""
    return _reply(request, "")


def null_content(request: httpx2.Request) -> httpx2.Response:
    """A well-formed reply whose message content is null."""
    return _reply(request, None)


@pytest.fixture
def fault_settings(llm_settings: Settings) -> Settings:
    """LLM mode with two retries and a short deadline."""
    return llm_settings.model_copy(
        update={"llm_max_retries": 2, "llm_deadline": 8.0, "llm_timeout": 4.0}
    )


def citebot_for(settings: Settings, wire: OpenAIWire) -> Citebot:
    return build_citebot(settings, http_client=wire.client(), http_async_client=wire.async_client())


def assert_fallback(answer: Answer) -> None:
    assert answer.fallback
    assert answer.mode == "extractive"
    assert answer.notice == FALLBACK_NOTICE
    assert not answer.refused
    assert answer.citations, "the fallback still cites the articles"
    assert "2040" in answer.text


FAULTS = {
    "429 with Retry-After": (status(429, **{"retry-after": "0.2"}), "rate-limiting", 3),
    "500": (status(500), "HTTP 500", 3),
    "503": (status(503), "HTTP 503", 3),
    "connection reset": (
        raising(httpx2.ReadError("[Errno 104] Connection reset by peer")),
        "could not connect",
        3,
    ),
    "timeout": (raising(httpx2.ReadTimeout("timed out")), "did not answer within", 3),
    "malformed JSON": (malformed_json, "malformed reply", 3),
    "empty content": (empty_content, "empty answer", 1),
    "null content": (null_content, "empty answer", 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_ends_in_labelled_extractive_fallback(
    fault: str,
    fault_settings: Settings,
    openai_wire: OpenAIWire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, logged, attempts = FAULTS[fault]
    openai_wire.reply(*[handler] * 5)
    citebot = citebot_for(fault_settings, openai_wire)

    with caplog.at_level(logging.WARNING):
        answer = citebot.answerer.answer(QUESTION)

    assert_fallback(answer)
    assert len(openai_wire.requests) == attempts, "bounded retries, none for a useless retry"
    assert logged in caplog.text


@pytest.mark.parametrize("fault", ["429 with Retry-After", "503", "connection reset"])
async def test_async_fault_ends_in_fallback(
    fault: str, fault_settings: Settings, openai_wire: OpenAIWire
) -> None:
    handler, _, attempts = FAULTS[fault]
    openai_wire.reply(*[handler] * 5)
    citebot = citebot_for(fault_settings, openai_wire)

    answer = await citebot.answerer.aanswer(QUESTION, on_delta=_ignore)

    assert_fallback(answer)
    assert len(openai_wire.requests) == attempts


def test_transient_fault_is_retried_and_the_model_answers(
    fault_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply(status(503), raising(httpx2.ReadError("reset")), GOOD_REPLY)
    citebot = citebot_for(fault_settings, openai_wire)

    answer = citebot.answerer.answer(QUESTION)

    assert answer.mode == "llm" and not answer.fallback
    assert answer.text.endswith("[1].")
    assert len(openai_wire.requests) == 3


def test_retry_after_beyond_the_deadline_gives_up_at_once(
    fault_settings: Settings, openai_wire: OpenAIWire, caplog: pytest.LogCaptureFixture
) -> None:
    openai_wire.reply(*[status(429, **{"retry-after": "120"})] * 3)
    citebot = citebot_for(fault_settings, openai_wire)

    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        answer = citebot.answerer.answer(QUESTION)

    assert_fallback(answer)
    assert len(openai_wire.requests) == 1, "no point waiting 120 s with an 8 s deadline"
    # Generous bound (the machine may be loaded): it must not have waited the 120 s.
    assert time.monotonic() - started < 60
    assert "retry after 120 s" in caplog.text


def test_retry_waits_honour_retry_after(fault_settings: Settings, openai_wire: OpenAIWire) -> None:
    openai_wire.reply(status(429, **{"retry-after": "1"}), GOOD_REPLY)
    citebot = citebot_for(fault_settings, openai_wire)

    started = time.monotonic()
    answer = citebot.answerer.answer(QUESTION)

    assert answer.mode == "llm"
    assert time.monotonic() - started >= 1.0, "asked again before Retry-After passed"


async def test_hung_endpoint_is_cut_off_at_the_question_deadline(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    async def hang(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(60)
        return httpx2.Response(200, json=chat_completion(GOOD_REPLY, "test-model-1"))

    settings = llm_settings.model_copy(
        update={"llm_max_retries": 3, "llm_deadline": 1.5, "llm_timeout": 60.0}
    )
    openai_wire.reply(*[hang] * 4)
    citebot = citebot_for(settings, openai_wire)

    started = time.monotonic()
    answer = await citebot.answerer.aanswer(QUESTION, on_delta=_ignore)

    assert_fallback(answer)
    # Generous bound (the machine may be loaded); the handler would hang for 60 s.
    assert time.monotonic() - started < 30, "the 1.5 s deadline was not enforced"


def test_reply_citing_missing_sources_has_them_dropped(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply(
        "Honda aims for 100 percent electric and fuel cell vehicle sales by 2040 [1][7][1000]."
    )
    citebot = citebot_for(llm_settings, openai_wire)

    answer = citebot.answerer.answer(QUESTION)

    assert answer.mode == "llm" and not answer.fallback
    assert "[7]" not in answer.text and "1000" not in answer.text
    assert answer.text.endswith("[1].")
    assert [c.n for c in answer.citations] == [1]


def test_reply_citing_only_missing_sources_is_re_cited_to_the_passage_that_says_it(
    llm_settings: Settings, openai_wire: OpenAIWire
) -> None:
    openai_wire.reply("Honda aims for 100 percent electric vehicle sales by 2040 [9].")
    citebot = citebot_for(llm_settings, openai_wire)

    answer = citebot.answerer.answer(QUESTION)

    assert answer.mode == "llm"
    assert "[9]" not in answer.text and answer.text.endswith("[1].")
    assert answer.claims[0]["decision"] == "re-cited"
    assert answer.citations and all(1 <= c.n <= len(answer.citations) for c in answer.citations)


async def _ignore(text: str) -> None:
    return None


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown: lets a hanging handler thread finish."""
    event = threading.Event()
    yield event
    event.set()


def silent(release: threading.Event) -> Callable[[httpx2.Request], httpx2.Response]:
    """A handler that never answers (until the test ends)."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        release.wait(60)
        return httpx2.Response(503)

    return handler


def trickling(release: threading.Event) -> Callable[[httpx2.Request], httpx2.Response]:
    """A stream that sends its first words, then nothing more (until the test ends)."""

    def events() -> Iterator[bytes]:
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "test-model-1",
            "choices": [{"index": 0, "delta": {"content": "Honda aims"}, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk)}\n\n".encode()
        release.wait(60)

    return lambda request: httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content=events()
    )


@pytest.fixture
def first_token_settings(llm_settings: Settings) -> Settings:
    """A short first-token timeout well inside a longer deadline, retries allowed."""
    return llm_settings.model_copy(
        update={
            "llm_first_token_timeout": 0.5,
            "llm_deadline": 3.0,
            "llm_timeout": 60.0,
            "llm_max_retries": 2,
        }
    )


def test_silent_endpoint_falls_back_after_the_first_token_timeout_without_retrying(
    first_token_settings: Settings,
    openai_wire: OpenAIWire,
    release: threading.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openai_wire.reply(*[silent(release)] * 3)
    citebot = citebot_for(first_token_settings, openai_wire)

    with caplog.at_level(logging.WARNING):
        answer = citebot.answerer.answer(QUESTION)

    assert_fallback(answer)
    assert "sent nothing within 0.5 s" in caplog.text
    assert len(openai_wire.requests) == 1, "a silent endpoint is not asked again"


async def test_silent_endpoint_falls_back_on_the_async_path_too(
    first_token_settings: Settings, openai_wire: OpenAIWire, caplog: pytest.LogCaptureFixture
) -> None:
    async def hang(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(60)
        return httpx2.Response(503)

    openai_wire.reply(*[hang] * 3)
    citebot = citebot_for(first_token_settings, openai_wire)

    with caplog.at_level(logging.WARNING):
        answer = await citebot.answerer.aanswer(QUESTION, on_delta=_ignore)

    assert_fallback(answer)
    assert "sent nothing within 0.5 s" in caplog.text


def test_a_model_that_started_streaming_keeps_the_deadline_but_not_longer(
    first_token_settings: Settings,
    openai_wire: OpenAIWire,
    release: threading.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openai_wire.reply(trickling(release))
    citebot = citebot_for(
        first_token_settings.model_copy(update={"llm_max_retries": 0}), openai_wire
    )

    with caplog.at_level(logging.WARNING):
        answer = citebot.answerer.answer(QUESTION)

    assert_fallback(answer)
    assert "within the 3 s deadline" in caplog.text, "cut at the deadline, not the first token"
    assert "sent nothing" not in caplog.text
