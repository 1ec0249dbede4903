"""What citebot says when it won't (or can't) answer, and the small text helpers around it."""

from __future__ import annotations

import re

from bot.discord_app.rendering import neutralise

APOLOGY = "Sorry, something went wrong while answering that. Please try again in a moment."
INDEX_DOWN = "Sorry, I can't search the articles right now. Please try again in a moment."
EMPTY_QUESTION = (
    "Ask me a question after the mention, for example: `@{name} What is new this week?`"
)
THREAD_NAME_LIMIT = 100
MENTION_TOKEN = re.compile(r"<@[!&]?\d+>|@(?:everyone|here)\b")


def too_long(length: int, limit: int) -> str:
    """The reply to an over-long question."""
    return f"That question is {length:,} characters long; please keep it under {limit:,}."


def slow_down(retry_after: float) -> str:
    """The polite rate-limit reply."""
    return (
        f"You're asking faster than I can keep up. Please wait {max(1, round(retry_after))} "
        "seconds and ask again."
    )


def clean_question(text: str) -> str:
    """The question without mentions (ours, other users', roles, @everyone) or extra spaces."""
    return " ".join(MENTION_TOKEN.sub(" ", text).split())


def thread_name(question: str) -> str:
    """A thread title from the question (Discord allows 100 characters)."""
    name = neutralise(" ".join(question.split())) or "Question"
    return name if len(name) <= THREAD_NAME_LIMIT else name[: THREAD_NAME_LIMIT - 1] + "…"
