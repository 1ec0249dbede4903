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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from bot.answer import prompts
from bot.answer.models import Passage

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

OnDelta = Callable[[str], Awaitable[None]]
MIN_ATTEMPT_TIMEOUT = 0.5


class LLMError(Exception):
    """The model could not produce an answer (down, timed out, malformed or empty reply)."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float = 0.0):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LLMPolicy:
    """How often and how long one question may try the model."""

    retries: int = 2
    timeout: float = 30.0  # per attempt
    deadline: float = 60.0  # for the whole question, retries and waits included
    backoff: float = 0.5  # first jittered wait, doubled each retry
    max_backoff: float = 8.0
    first_token: float = 20.0  # a silent endpoint is given up on after this (no retry)

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMPolicy:
        """The policy the settings describe."""
        return cls(
            retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
            deadline=settings.llm_deadline,
            first_token=settings.llm_first_token_timeout,
        )


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
    return [
        SystemMessage(prompts.SYSTEM.format(as_of=as_of or "unknown", not_found=prompts.NOT_FOUND)),
        HumanMessage(
            prompts.USER.format(sources=format_sources(passages), question=_escape(question))
        ),
    ]


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        content = "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    if not isinstance(content, str):
        raise LLMError("the model returned no text")
    return content


def translate_error(exc: BaseException, timeout: float) -> LLMError:
    """One clear `LLMError` for a failed call, marked retryable when trying again may help."""
    import openai

    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.RateLimitError):
        wait = _retry_after(exc)
        after = f", retry after {wait:g} s" if wait else ""
        return LLMError(
            f"the model endpoint is rate-limiting requests (HTTP 429{after})",
            retryable=True,
            retry_after=wait,
        )
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(f"the model endpoint did not answer within {timeout:g} s", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("could not connect to the model endpoint", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status >= 500 or status in {408, 409}:
            return LLMError(f"the model endpoint failed (HTTP {status})", retryable=True)
        return LLMError(f"the model endpoint refused the request (HTTP {status})")
    if isinstance(exc, (ValueError, KeyError, TypeError, openai.APIResponseValidationError)):
        return LLMError(
            f"the model endpoint sent a malformed reply ({type(exc).__name__})", retryable=True
        )
    return LLMError(f"the model call failed ({type(exc).__name__})")


def _retry_after(exc: Any) -> float:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("retry-after") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back to our own backoff


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, LLMError) and exc.retryable


class _Attempts:
    """Tenacity settings for one question under `policy`."""

    def __init__(self, policy: LLMPolicy):
        self.policy = policy
        self.started = time.monotonic()
        self._jitter = wait_random_exponential(multiplier=policy.backoff, max=policy.max_backoff)

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after if isinstance(exc, LLMError) else 0.0
        return max(float(self._jitter(state)), retry_after)

    def timeout(self) -> float:
        """This attempt's timeout: the per-call limit, cut to what is left of the deadline."""
        left = self.policy.deadline - (time.monotonic() - self.started)
        return max(MIN_ATTEMPT_TIMEOUT, min(self.policy.timeout, left))

    def options(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.policy.retries + 1)
            | stop_before_delay(self.policy.deadline),
            "wait": self.wait,
            "retry": retry_if_exception(_is_retryable),
            "before_sleep": _log_retry,
            "reraise": True,
        }


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "LLM attempt %d failed (%s); retrying in %.1f s",
        state.attempt_number,
        exc,
        state.upcoming_sleep,
    )


def _call_options(llm: BaseChatModel, timeout: float) -> dict[str, Any]:
    # Only OpenAI-style models take a per-request timeout; fakes in tests do not.
    return {"timeout": timeout} if hasattr(llm, "request_timeout") else {}


def complete(
    llm: BaseChatModel, messages: list[BaseMessage], policy: LLMPolicy | None = None
) -> str:
    """One blocking completion, streamed and retried under `policy`.

    The stream is read on a worker thread so this thread can keep time: nothing within the
    first-token timeout, or no end within the deadline (a server trickling bytes), gives up.
    """
    policy = policy or LLMPolicy()
    attempts = _Attempts(policy)
    for attempt in Retrying(**attempts.options()):
        with attempt:
            text = _stream_sync(llm, messages, attempts)
            if not text.strip():
                raise LLMError("the model returned an empty answer")
    return text


def _stream_sync(llm: BaseChatModel, messages: list[BaseMessage], attempts: _Attempts) -> str:
    policy = attempts.policy
    timeout = attempts.timeout()
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            for chunk in llm.stream(messages, **_call_options(llm, timeout)):
                chunks.put(("text", _content(chunk)))
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
    attempts = _Attempts(policy)
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
    stream = llm.astream(messages, **_call_options(llm, timeout)).__aiter__()
    text = ""
    try:
        try:
            async with asyncio.timeout(policy.first_token):
                while not text:
                    text += _content(await anext(stream))
        except TimeoutError:
            raise _silence(policy, started=False) from None
        except StopAsyncIteration:
            pass
        if on_delta is not None and text:
            await on_delta(text)
        async for chunk in stream:
            text += _content(chunk)
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
    convo = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
    messages: list[BaseMessage] = [
        HumanMessage(prompts.CONDENSE.format(history=_escape(convo), question=_escape(question)))
    ]
    return complete(llm, messages, policy).strip().strip('"') or question
