"""Answer questions from Discord messages and slash commands (no client code: easy to drive).

`QuestionHandler.on_message(message)` is a plain coroutine: the Discord client calls it, and so
can tests and load tests. It keeps no per-question state outside the call, so any number of
questions can be in flight at once; retrieval and embedding run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import discord

from bot.answer.answering import Answerer
from bot.answer.citations import trim
from bot.answer.models import Answer
from bot.discord_app.buttons import feedback_view
from bot.discord_app.conversation import Conversations
from bot.discord_app.delivery import (
    NO_MENTIONS,
    ChannelTarget,
    InteractionTarget,
    StreamingMessage,
    Target,
    TypingIndicator,
    reply_privately,
    send_rendered,
    warn_once,
)
from bot.discord_app.ratelimit import RateLimiter
from bot.discord_app.rendering import (
    MESSAGE_LIMIT,
    Outgoing,
    neutralise,
    render_answer,
    render_notice,
)
from bot.feedback import FeedbackStore
from bot.settings import Settings
from ingest.index.errors import CitebotError

log = logging.getLogger(__name__)

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
        self.stream_interval = stream_interval

    # -- deciding whether a message is for us ------------------------------------------------

    def allowed(self, channel: Any) -> bool:
        """True when the allow-list is empty or holds the channel (or a thread's parent)."""
        allowed = self.settings.allowed_channels
        if not allowed:
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & set(allowed))

    def is_own_thread(self, channel: Any) -> bool:
        """True for a thread this bot started."""
        me = self.me()
        return isinstance(channel, discord.Thread) and me is not None and channel.owner_id == me.id

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
        question = clean_question(message.content or "")
        if not question and not mentioned:
            return None  # an image, a sticker or a ping between people in our thread
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
                await self._notice(where, refusal)
                return None
            as_of = message.created_at.date().isoformat()
            channel = message.channel
            asked = question
            if self.is_own_thread(channel):
                question = await self._standalone(channel, question)
                where = ChannelTarget(channel)
            else:
                where = await self._open_thread(message, question)
            async with TypingIndicator(where):
                answer = await self.deliver(question, as_of=as_of, target=where)
            self._remember(getattr(where, "channel", None), asked, answer)
            return answer
        except Exception as exc:
            await self._apologise(where, exc)
            return None

    async def _standalone(self, thread: Any, question: str) -> str:
        """Rewrite a follow-up asked in one of our threads using the thread's recent turns."""
        history = self.conversations.history(getattr(thread, "id", 0)) or [
            (getattr(thread, "name", ""), "")  # after a restart: the thread's title
        ]
        return await asyncio.to_thread(self.answerer.standalone, question, history)

    def _remember(self, channel: object, asked: str, answer: Answer) -> None:
        """Keep what was asked (not its rewrite, so follow-ups don't snowball) in a thread."""
        if isinstance(channel, discord.Thread):
            self.conversations.add(channel.id, asked, answer.text)

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

    async def deliver(self, question: str, *, as_of: str, target: Target) -> Answer:
        """Answer `question` and show it at `target`: stream in LLM mode, then the final answer."""
        stream = StreamingMessage(target, interval=self.stream_interval)
        on_delta = stream.update if self.answerer.mode == "llm" else None
        answer = await self.answerer.aanswer(question, as_of=as_of, on_delta=on_delta)
        first = await stream.settle()
        view = await self._feedback_view(answer)
        await send_rendered(
            target,
            render_answer(answer, use_embeds=self.settings.use_embeds),
            view=view,
            first=first,
            plain=lambda: render_answer(answer, use_embeds=False),
        )
        log.info(
            "answered (%s, %d citations, %.0f ms)%s",
            answer.mode,
            len(answer.citations),
            answer.timings_ms.get("total", 0.0),
            " refused" if answer.refused else "",
        )
        return answer

    async def _feedback_view(self, answer: Answer) -> discord.ui.View | None:
        if self.feedback is None:
            return None
        try:
            answer_id = await asyncio.to_thread(self.feedback.record_answer, answer)
        except Exception:
            log.exception("could not record the answer for feedback; sending it without buttons")
            return None
        return feedback_view(answer_id)

    async def _notice(self, target: Target, text: str) -> None:
        await target.send(Outgoing(render_notice(text)))

    async def _apologise(self, target: Target, exc: Exception) -> None:
        if isinstance(exc, CitebotError):
            log.warning("could not answer: %s", exc)
            text = INDEX_DOWN
        else:
            log.exception("error while answering a question")
            text = APOLOGY
        try:
            await self._notice(target, text)
        except Exception:
            log.exception("could not send the apology either")

    # -- slash commands ----------------------------------------------------------------------

    async def on_ask(self, interaction: discord.Interaction[Any], question: str) -> Answer | None:
        """Answer `/ask`: refuse privately if needed, else defer, answer, follow up."""
        question = clean_question(question)
        if not self.allowed(interaction.channel):
            await reply_privately(interaction, "I don't answer questions in this channel.")
            return None
        refusal = self.check(question, interaction.user.id)
        if refusal:
            await reply_privately(interaction, refusal)
            return None
        await interaction.response.defer(thinking=True)
        target = InteractionTarget(interaction)
        asked = question
        try:
            channel = interaction.channel
            if self.is_own_thread(channel):  # /ask inside our thread is a follow-up too
                question = await self._standalone(channel, question)
            target_or_thread = await self._slash_thread(interaction, question) or target
            answer = await self.deliver(
                question, as_of=interaction.created_at.date().isoformat(), target=target_or_thread
            )
            self._remember(getattr(target_or_thread, "channel", channel), asked, answer)
            return answer
        except Exception as exc:
            await self._apologise(target, exc)
            return None

    async def _slash_thread(
        self, interaction: discord.Interaction[Any], question: str
    ) -> Target | None:
        """In thread mode, post the question and open a thread on it for the answer."""
        channel = interaction.channel
        if not self.settings.thread_mode or not isinstance(channel, discord.TextChannel):
            return None
        prefix = f"**{neutralise(interaction.user.display_name)} asked:** "
        # CITEBOT_MAX_QUESTION may allow more than one message holds: show the start.
        header = await interaction.followup.send(
            prefix + trim(neutralise(question), MESSAGE_LIMIT - len(prefix)),
            wait=True,
            allowed_mentions=NO_MENTIONS,
        )
        try:
            thread = await channel.create_thread(name=thread_name(question), message=header)
        except discord.HTTPException as exc:
            warn_once(channel.id, "cannot create threads", exc)
            return None
        return ChannelTarget(thread)
