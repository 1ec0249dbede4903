"""The chat model: LangChain's ChatOpenAI against any OpenAI-compatible endpoint."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot import prompts
from bot.models import Passage

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

OnDelta = Callable[[str], Awaitable[None]]


class LLMError(Exception):
    """The model could not produce an answer (down, timed out, malformed or empty reply)."""


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
        max_retries=settings.llm_max_retries,
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
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    if not isinstance(content, str):
        raise LLMError("the model returned no text")
    return content


def complete(llm: BaseChatModel, messages: list[BaseMessage]) -> str:
    """One blocking completion."""
    try:
        text = _content(llm.invoke(messages))
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc
    if not text.strip():
        raise LLMError("the model returned an empty answer")
    return text


async def acomplete(
    llm: BaseChatModel, messages: list[BaseMessage], on_delta: OnDelta | None = None
) -> str:
    """One async completion, streamed to `on_delta` (the text so far) when given."""
    try:
        if on_delta is None:
            text = _content(await llm.ainvoke(messages))
        else:
            text = ""
            async for chunk in llm.astream(messages):
                text += _content(chunk)
                await on_delta(text)
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc
    if not text.strip():
        raise LLMError("the model returned an empty answer")
    return text


def condense_question(llm: BaseChatModel, question: str, history: list[tuple[str, str]]) -> str:
    """Rewrite a follow-up into a standalone question using recent (question, answer) turns."""
    convo = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
    messages: list[BaseMessage] = [
        HumanMessage(prompts.CONDENSE.format(history=_escape(convo), question=_escape(question)))
    ]
    return complete(llm, messages).strip().strip('"') or question
