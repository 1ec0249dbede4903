"""Answer new posts in forum channels (CITEBOT_FORUM_CHANNELS), once each, in the post's thread.

A forum post is a thread whose opening message has the same id as the thread. Its title and text
together are the question (cut to CITEBOT_MAX_QUESTION: posts are often longer than questions).
The answer is the one `/ask` gives, with sources and buttons; later messages in the post are
follow-ups, as in the threads citebot opens. A post is answered once: the feedback store
remembers the posts already answered, so a restart or a repeated event does not answer again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import discord

from bot.answer.citations import trim
from bot.answer.models import Answer
from bot.discord_app.delivery import ChannelTarget, TypingIndicator
from bot.discord_app.handler import QuestionHandler
from bot.discord_app.replies import clean_question

log = logging.getLogger(__name__)

STARTER_RETRY_SECONDS = 1.0  # Discord may announce the thread before its first message


def forum_question(title: str, body: str, limit: int) -> str:
    """The question a post asks: its title, then its text unless the text repeats the title."""
    title, body = clean_question(title), clean_question(body)
    if not body or body.casefold().startswith(title.casefold().rstrip("?.!")):
        question = body or title
    elif not title:
        question = body
    else:
        question = f"{title}{'' if title.endswith(('?', '.', '!', ':')) else '.'} {body}"
    return trim(question, limit)


class ForumAnswers:
    """Answer each new forum post once."""

    def __init__(self, handler: QuestionHandler):
        self.handler = handler
        self._seen: set[int] = set()

    async def on_thread_create(self, thread: discord.Thread) -> Answer | None:
        """Answer `thread` if it is a new post in one of our forums; never raises."""
        handler = self.handler
        me = handler.me()
        if not handler.is_forum_post(thread) or me is None or thread.owner_id == me.id:
            return None
        if thread.id in self._seen or await self._answered_before(thread.id):
            return None
        self._seen.add(thread.id)
        target = ChannelTarget(thread)
        try:
            starter = await self._starter(thread)
            if starter is not None and (starter.author.bot or starter.webhook_id is not None):
                return None
            body = starter.content if starter is not None else ""
            question = forum_question(thread.name, body, handler.settings.max_question_chars)
            refusal = handler.check(question, thread.owner_id or 0)
            if refusal:
                await handler.notice(target, refusal)
                return None
            created = thread.created_at or dt.datetime.now(dt.UTC)
            async with TypingIndicator(target):
                answer = await handler.deliver(
                    question, as_of=created.date().isoformat(), target=target
                )
            handler.remember(thread, question, answer)
            return answer
        except Exception as exc:
            await handler.apologise(target, exc)
            return None

    async def _answered_before(self, thread_id: int) -> bool:
        store = self.handler.feedback
        if store is None:
            return False
        try:
            return await asyncio.to_thread(store.answered_in, thread_id)
        except Exception:
            log.exception("could not check whether forum post %s was answered", thread_id)
            return False

    async def _starter(self, thread: discord.Thread) -> discord.Message | None:
        """The post's opening message (None when it cannot be read: the title still asks)."""
        if thread.starter_message is not None:
            return thread.starter_message
        for attempt in range(2):
            try:
                return await thread.fetch_message(thread.id)
            except discord.NotFound:
                if attempt == 0:
                    await asyncio.sleep(STARTER_RETRY_SECONDS)
            except discord.HTTPException as exc:
                log.warning("cannot read forum post %s (%s); answering its title", thread.id, exc)
                return None
        return None
