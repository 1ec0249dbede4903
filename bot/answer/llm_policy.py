"""How long and how often one question may try the model: errors, retries, deadlines.

Transient faults (429, 5xx, connection errors, timeouts, malformed replies) are retried with
jittered exponential backoff that honours `Retry-After`; each attempt's timeout is cut to what is
left of the question's deadline. Error messages never quote the endpoint's reply (it could echo a
key); details go to the log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenacity import (
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from bot.settings import DEFAULTS, Settings
from ingest.index.errors import CitebotError

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

log = logging.getLogger("bot.answer.llm")

MIN_ATTEMPT_TIMEOUT = 0.5


class LLMError(CitebotError):
    """The model could not produce an answer (down, timed out, malformed or empty reply)."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float = 0.0):
        super().__init__(message, hint="")
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LLMPolicy:
    """How often and how long one question may try the model."""

    retries: int = DEFAULTS["llm_max_retries"]
    timeout: float = DEFAULTS["llm_timeout"]  # per attempt
    deadline: float = DEFAULTS["llm_deadline"]  # the whole question, retries and waits
    backoff: float = 0.5  # first jittered wait, doubled each retry
    max_backoff: float = 8.0
    first_token: float = DEFAULTS["llm_first_token_timeout"]  # a silent endpoint: given up on

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMPolicy:
        """The policy the settings describe."""
        return cls(
            retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
            deadline=settings.llm_deadline,
            first_token=settings.llm_first_token_timeout,
        )


def message_text(message: Any) -> str:
    """The text of a chat message or stream chunk."""
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


class Attempts:
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


def call_options(llm: BaseChatModel, timeout: float) -> dict[str, Any]:
    """Per-call options: the attempt's timeout for OpenAI-style models."""
    # Only OpenAI-style models take a per-request timeout; fakes in tests do not.
    return {"timeout": timeout} if hasattr(llm, "request_timeout") else {}
