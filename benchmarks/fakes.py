"""A fake chat model for the question-path and concurrency benchmarks (no network)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

_SOURCE_ONE = re.compile(r'<source n="1"[^>]*>\s*(.+?)</source>', re.DOTALL)
_SENTENCE = re.compile(r"(.{20,}?[.!?])\s")


class SlowEchoChatModel(BaseChatModel):
    """Wait `delay` seconds, then answer with source 1's first sentence, cited as [1].

    The reply passes citebot's citation check, so the benchmark times the real LLM-mode path
    (prompt, call, check) with only the network replaced by a sleep.
    """

    delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "citebot-bench-echo"

    def _reply(self, messages: list[BaseMessage]) -> ChatResult:
        prompt = str(messages[-1].content)
        source = _SOURCE_ONE.search(prompt)
        text = "I don't know based on these sources."
        paragraphs = (
            [p for p in source.group(1).split("\n") if len(p.split()) >= 8] if source else []
        )
        if paragraphs:
            first = _SENTENCE.search(paragraphs[0] + " ")
            sentence = first.group(1) if first else paragraphs[0].rstrip(".") + "."
            text = f"{sentence[:-1]} [1]{sentence[-1]}"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        time.sleep(self.delay)
        return self._reply(messages)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        await asyncio.sleep(self.delay)
        return self._reply(messages)
