"""The chat model: LangChain's ChatOpenAI against any OpenAI-compatible endpoint.

Every call goes through one retry policy (`LLMPolicy`): transient faults (429, 5xx, connection
errors, timeouts, malformed replies) are retried with jittered exponential backoff that honours
`Retry-After`, each attempt's timeout is cut to what is left of the question's deadline, and once
the deadline or the retries run out an `LLMError` says what went wrong. The answering pipeline
then falls back to the extractive answer. Error messages never quote the endpoint's reply (it
could echo a key); details go to the log.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tenacity import AsyncRetrying, Retrying

from bot.answer import prompts
from bot.answer.llm_policy import (
    Attempts,
    LLMError,
    LLMPolicy,
    call_options,
    message_text,
    translate_error,
)
from bot.answer.models import Passage

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from bot.settings import Settings

__all__ = [
    "LLMError",
    "LLMPolicy",
    "OnDelta",
    "acomplete",
    "answer_messages",
    "build_chat_model",
    "complete",
    "condense_question",
    "translate_error",
]

log = logging.getLogger(__name__)

OnDelta = Callable[[str], Awaitable[None]]


def build_chat_model(
    settings: Settings, *, http_client: Any = None, http_async_client: Any = None
) -> BaseChatModel:
    """ChatOpenAI configured from settings; `http_*client` lets tests mock the wire."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.openai_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=0,  # `LLMPolicy` retries, so waits respect the question's deadline
        temperature=0,
        http_client=http_client,
        http_async_client=http_async_client,
    )


def _escape(value: str) -> str:
    return value.replace("<", "‹").replace(">", "›")


def format_sources(passages: list[Passage]) -> str:
    """Number the passages for the prompt; their text is escaped so it cannot close a tag."""
    return "\n\n".join(
        prompts.SOURCE.format(
            n=n,
            title=_escape(p.title).replace('"', "'"),
            published=p.published_date or "unknown",
            text=_escape(p.text),
        )
        for n, p in enumerate(passages, start=1)
    )


def answer_messages(question: str, passages: list[Passage], as_of: str) -> list[BaseMessage]:
    """The system and user messages for one question."""
    from langchain_core.messages import HumanMessage, SystemMessage  # only when a model is used

    return [
        SystemMessage(prompts.SYSTEM.format(as_of=as_of or "unknown", not_found=prompts.NOT_FOUND)),
        HumanMessage(
            prompts.USER.format(sources=format_sources(passages), question=_escape(question))
        ),
    ]


def complete(
    llm: BaseChatModel, messages: list[BaseMessage], policy: LLMPolicy | None = None
) -> str:
    """One blocking completion, streamed and retried under `policy`.

    The stream is read on a worker thread so this thread can keep time: nothing within the
    first-token timeout, or no end within the deadline (a server trickling bytes), gives up.
    """
    policy = policy or LLMPolicy()
    attempts = Attempts(policy)
    for attempt in Retrying(**attempts.options()):
        with attempt:
            text = _stream_sync(llm, messages, attempts)
            if not text.strip():
                raise LLMError("the model returned an empty answer")
    return text


def _stream_sync(llm: BaseChatModel, messages: list[BaseMessage], attempts: Attempts) -> str:
    policy = attempts.policy
    timeout = attempts.timeout()
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            for chunk in llm.stream(messages, **call_options(llm, timeout)):
                chunks.put(("text", message_text(chunk)))
            chunks.put(("done", None))
        except BaseException as exc:  # handed to the waiting thread
            chunks.put(("error", exc))

    threading.Thread(target=work, name="citebot-llm", daemon=True).start()
    end = attempts.started + policy.deadline
    first = min(end, time.monotonic() + policy.first_token)
    text = ""
    while True:
        try:
            kind, value = chunks.get(timeout=max(0.0, (end if text else first) - time.monotonic()))
        except queue.Empty:
            raise _silence(policy, started=bool(text)) from None
        if kind == "done":
            return text
        if kind == "error":
            raise translate_error(value, timeout) from value
        text += value


def _silence(policy: LLMPolicy, *, started: bool) -> LLMError:
    if started or policy.first_token >= policy.deadline:
        return LLMError(f"the model gave no answer within the {policy.deadline:g} s deadline")
    return LLMError(f"the model endpoint sent nothing within {policy.first_token:g} s")


async def acomplete(
    llm: BaseChatModel,
    messages: list[BaseMessage],
    on_delta: OnDelta | None = None,
    policy: LLMPolicy | None = None,
) -> str:
    """One async completion, streamed to `on_delta` (the text so far) when given."""
    policy = policy or LLMPolicy()
    attempts = Attempts(policy)
    try:
        async with asyncio.timeout(policy.deadline):
            async for attempt in AsyncRetrying(**attempts.options()):
                with attempt:
                    text = await _acall(llm, messages, on_delta, attempts.timeout(), policy)
    except TimeoutError:
        raise LLMError(
            f"the model gave no answer within the {policy.deadline:g} s deadline"
        ) from None
    return text


async def _acall(
    llm: BaseChatModel,
    messages: list[BaseMessage],
    on_delta: OnDelta | None,
    timeout: float,
    policy: LLMPolicy,
) -> str:
    stream = llm.astream(messages, **call_options(llm, timeout)).__aiter__()
    text = ""
    try:
        try:
            async with asyncio.timeout(policy.first_token):
                while not text:
                    text += message_text(await anext(stream))
        except TimeoutError:
            raise _silence(policy, started=False) from None
        except StopAsyncIteration:
            pass
        if on_delta is not None and text:
            await on_delta(text)
        async for chunk in stream:
            text += message_text(chunk)
            if on_delta is not None:
                await on_delta(text)
    except LLMError:
        raise
    except Exception as exc:  # cancellation (the deadline) is not an Exception: it passes
        raise translate_error(exc, timeout) from exc
    if not text.strip():
        raise LLMError("the model returned an empty answer")
    return text


def condense_question(
    llm: BaseChatModel,
    question: str,
    history: list[tuple[str, str]],
    policy: LLMPolicy | None = None,
) -> str:
    """Rewrite a follow-up into a standalone question using recent (question, answer) turns."""
    from langchain_core.messages import HumanMessage

    convo = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
    messages: list[BaseMessage] = [
        HumanMessage(prompts.CONDENSE.format(history=_escape(convo), question=_escape(question)))
    ]
    return complete(llm, messages, policy).strip().strip('"') or question
