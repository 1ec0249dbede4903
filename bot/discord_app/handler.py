"""Answer questions from Discord messages and slash commands (no client code: easy to drive).

`QuestionHandler.on_message(message)` is a plain coroutine: the Discord client calls it, and so
can tests and load tests. It keeps no per-question state outside the call, so any number of
questions can be in flight at once; retrieval and embedding run in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord

from bot.answer.answering import Answerer
from bot.answer.conversation import Conversations
from bot.answer.models import Answer
from bot.answer.reading_on import Reading
from bot.answer.small_talk import CHATTER, act_of
from bot.discord_app.buttons import feedback_view
from bot.discord_app.delivery import (
    ChannelTarget,
    StreamingMessage,
    Target,
    TypingIndicator,
    send_rendered,
    warn_once,
)
from bot.discord_app.ratelimit import RateLimiter
from bot.discord_app.rendering import Outgoing, render_answer, render_notice
from bot.discord_app.replies import (
    APOLOGY,
    EMPTY_QUESTION,
    INDEX_DOWN,
    clean_question,
    slow_down,
    thread_name,
    too_long,
)
from bot.feedback import FeedbackStore
from bot.settings import Settings
from ingest.index.errors import CitebotError

__all__ = ["APOLOGY", "INDEX_DOWN", "QuestionHandler", "clean_question", "thread_name"]

log = logging.getLogger(__name__)


class ThreadTurns:
    """One question at a time in each thread. A follow-up reads the turn before it (its topic,
    where "tell me more" goes on), so it waits until that one is answered; threads do not wait
    for each other."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, thread_id: int) -> AsyncIterator[None]:
        """Hold the thread's turn (a lock dropped once no one holds or waits for it)."""
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        self._waiting[thread_id] = self._waiting.get(thread_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[thread_id] -= 1
            if not self._waiting[thread_id]:
                del self._waiting[thread_id], self._locks[thread_id]

    def __len__(self) -> int:
        """How many threads have a question being answered or waiting."""
        return len(self._locks)


class QuestionHandler:
    """Turn a Discord message or slash command into a cited answer in the right place."""

    def __init__(
        self,
        *,
        settings: Settings,
        answerer: Answerer,
        me: Callable[[], discord.abc.User | discord.ClientUser | None],
        feedback: FeedbackStore | None = None,
        limiter: RateLimiter | None = None,
        conversations: Conversations | None = None,
        stream_interval: float = 1.0,
    ):
        self.settings = settings
        self.answerer = answerer
        self.me = me
        self.feedback = feedback
        self.limiter = limiter or RateLimiter(settings.rate_limit_per_minute)
        self.conversations = conversations or Conversations()
        self.turns = ThreadTurns()
        self.stream_interval = stream_interval

    # -- deciding whether a message is for us ------------------------------------------------

    def allowed(self, channel: Any) -> bool:
        """True when the allow-list is empty or holds the channel (or a thread's parent)."""
        allowed = self.settings.allowed_channels
        if not allowed or self.is_forum_post(channel):  # the forums are listed on their own
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & set(allowed))

    def is_own_thread(self, channel: Any) -> bool:
        """True for a thread this bot started, or a post in one of our forum channels."""
        me = self.me()
        if not isinstance(channel, discord.Thread) or me is None:
            return False
        return channel.owner_id == me.id or self.is_forum_post(channel)

    def is_forum_post(self, channel: Any) -> bool:
        """True for a post (thread) in a CITEBOT_FORUM_CHANNELS forum."""
        forums = self.settings.forum_channels
        return isinstance(channel, discord.Thread) and channel.parent_id in forums

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks us, or None when the message is not for us."""
        me = self.me()
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        mentioned = self.settings.mentions and (
            any(u.id == me.id for u in message.mentions)
            or any(r.tags is not None and r.tags.bot_id == me.id for r in message.role_mentions)
        )
        followup = self.settings.followups and self.is_own_thread(message.channel)
        if not (mentioned or followup) or not self.allowed(message.channel):
            return None
        if self.is_forum_post(message.channel) and message.id == message.channel.id:
            return None  # a forum post's opening message: answered when the post is created
        question = clean_question(message.content or "")
        if not question and not mentioned:
            return None  # an image, a sticker or a ping between people in our thread
        if not mentioned and act_of(question) in CHATTER:
            return None  # "thanks!", "lol" in our thread: said to people, or needing no reply
        return question

    # -- messages ------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> Answer | None:
        """Answer `message` if it asks us something; never raises."""
        question = self.question_in(message)
        if question is None:
            return None
        where: Target = ChannelTarget(message.channel, reply_to=message)
        try:
            refusal = self.check(question, message.author.id)
            if refusal:
                await self.notice(where, refusal)
                return None
            as_of = message.created_at.date().isoformat()
            channel = message.channel
            asked = question
            reading: Reading | None = None
            own = self.is_own_thread(channel)
            async with self.turns.turn(channel.id) if own else contextlib.nullcontext():
                if own:
                    reading = self.conversations.reading(channel.id)
                    question = await self.standalone(channel, question, as_of)
                    where = ChannelTarget(channel)
                elif act_of(question) is None:  # small talk ("hi") is answered in place
                    where = await self._open_thread(message, question)
                async with TypingIndicator(where):
                    answer = await self.deliver(
                        question, as_of=as_of, target=where, reading=reading
                    )
                self.remember(getattr(where, "channel", None), asked, answer)
            return answer
        except Exception as exc:
            await self.apologise(where, exc)
            return None

    async def standalone(self, thread: Any, question: str, as_of: str = "") -> str:
        """Rewrite a follow-up asked in one of our threads using the thread's recent turns
        (`as_of`: the day it is asked, which the offline rewrite searches as of)."""
        history = self.conversations.history(getattr(thread, "id", 0)) or [
            (getattr(thread, "name", ""), "")  # after a restart: the thread's title
        ]
        return await asyncio.to_thread(self.answerer.standalone, question, history, as_of)

    def remember(self, channel: object, asked: str, answer: Answer) -> None:
        """Keep what was asked (not its rewrite, so follow-ups don't snowball) in a thread."""
        if isinstance(channel, discord.Thread):
            self.conversations.add(channel.id, asked, answer)

    def check(self, question: str, user_id: int) -> str:
        """Why we won't answer (empty, too long, rate-limited), or "" to go ahead."""
        if not question:
            me = self.me()
            return EMPTY_QUESTION.format(name=getattr(me, "name", "citebot"))
        if len(question) > self.settings.max_question_chars:
            return too_long(len(question), self.settings.max_question_chars)
        retry_after = self.limiter.acquire(user_id)
        return slow_down(retry_after) if retry_after else ""

    async def _open_thread(self, message: discord.Message, question: str) -> Target:
        """A new thread on the question (thread mode, in a text channel), else reply inline."""
        channel = message.channel
        if self.settings.thread_mode and isinstance(channel, discord.TextChannel):
            try:
                thread = await message.create_thread(name=thread_name(question))
            except discord.HTTPException as exc:
                warn_once(channel.id, "cannot create threads", exc)
            else:
                return ChannelTarget(thread)
        return ChannelTarget(channel, reply_to=message)

    # -- answering -----------------------------------------------------------------------------

    async def deliver(
        self,
        question: str,
        *,
        as_of: str,
        target: Target,
        private: bool = False,
        reading: Reading | None = None,
    ) -> Answer:
        """Answer `question` and show it at `target`: stream in LLM mode, then the final answer
        (`reading`: where the thread's "tell me more" reads on).

        A public answer's message is recorded, so a later change of a cited source can edit it.
        """
        stream = StreamingMessage(target, interval=self.stream_interval)
        on_delta = stream.update if self.answerer.mode == "llm" else None
        answer = await self.answerer.aanswer(
            question, as_of=as_of, on_delta=on_delta, reading=reading
        )
        first = await stream.settle()
        answer_id = await self._record(answer, None if private else target.channel_id)
        view = self._view(answer, answer_id)
        sent = await send_rendered(
            target,
            render_answer(answer, use_embeds=self.settings.use_embeds),
            view=view,
            first=first,
            plain=lambda: render_answer(answer, use_embeds=False),
        )
        if answer_id and sent and not private:
            await self._attach(answer_id, target.channel_id, sent[-1].id)
        log.info(
            "answered (%s, %d citations, %.0f ms)%s",
            answer.mode,
            len(answer.citations),
            answer.timings_ms.get("total", 0.0),
            " refused" if answer.refused else "",
        )
        return answer

    async def _record(self, answer: Answer, channel_id: int | None) -> str:
        if self.feedback is None or answer.small_talk:
            return ""  # no votes on "You're welcome!" or a list of the newest articles
        try:
            return await asyncio.to_thread(
                self.feedback.record_answer, answer, channel_id=channel_id
            )
        except Exception:
            log.exception("could not record the answer for feedback; sending it without buttons")
            return ""

    def _view(self, answer: Answer, answer_id: str) -> discord.ui.View | None:
        if not answer_id:
            return None
        escalate = answer.refused and self.settings.escalate_role is not None
        return feedback_view(answer_id, escalate=escalate)

    async def _attach(self, answer_id: str, channel_id: int, message_id: int) -> None:
        assert self.feedback is not None
        try:
            await asyncio.to_thread(self.feedback.attach_message, answer_id, channel_id, message_id)
        except Exception:
            log.exception("could not record where the answer was posted")

    async def notice(self, target: Target, text: str) -> None:
        """Send a short status line."""
        await target.send(Outgoing(render_notice(text)))

    async def apologise(self, target: Target, exc: Exception) -> None:
        """Log what failed and tell the user politely (never raises)."""
        if isinstance(exc, CitebotError):
            log.warning("could not answer: %s", exc)
            text = INDEX_DOWN
        else:
            log.exception("error while answering a question")
            text = APOLOGY
        try:
            await self.notice(target, text)
        except Exception:
            log.exception("could not send the apology either")
