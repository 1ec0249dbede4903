"""Slash commands and message context menus that ask questions: `/ask`, "Ask citebot".

Both context menus answer the selected message's text as the question. "Ask citebot" answers in
public exactly like `/ask` (the question is posted, a thread opened on it, the answer there);
"Ask citebot (only me)" answers in an ephemeral reply only the asker sees, without a thread,
and its answer is not posted anywhere else.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord

from bot.answer.citations import trim
from bot.answer.models import Answer
from bot.answer.reading_on import Reading
from bot.answer.small_talk import act_of
from bot.discord_app.delivery import (
    NO_MENTIONS,
    ChannelTarget,
    InteractionTarget,
    Target,
    reply_privately,
    warn_once,
)
from bot.discord_app.handler import QuestionHandler
from bot.discord_app.rendering import MESSAGE_LIMIT, neutralise
from bot.discord_app.replies import clean_question, thread_name

log = logging.getLogger(__name__)

NOT_HERE = "I don't answer questions in this channel."
NO_TEXT = "That message has no text I can answer. Pick a message with a question in it."


class SlashQuestions:
    """Interaction entry points around a `QuestionHandler`."""

    def __init__(self, handler: QuestionHandler):
        self.handler = handler

    async def on_ask(
        self, interaction: discord.Interaction[Any], question: str, *, rewrite: bool = True
    ) -> Answer | None:
        """Answer `/ask`: refuse privately if needed, else defer, answer, follow up."""
        handler = self.handler
        question = clean_question(question)
        if not await self._may_answer(interaction, question):
            return None
        await interaction.response.defer(thinking=True)
        target = InteractionTarget(interaction)
        asked = question
        as_of = interaction.created_at.date().isoformat()
        try:
            channel = interaction.channel
            reading: Reading | None = None
            follow_up = rewrite and handler.is_own_thread(channel)  # /ask in our thread
            thread_id = getattr(channel, "id", 0)
            async with handler.turns.turn(thread_id) if follow_up else contextlib.nullcontext():
                if follow_up:
                    reading = handler.conversations.reading(thread_id)
                    question = await handler.standalone(channel, question, as_of)
                opened = (
                    None if act_of(question) else await self._slash_thread(interaction, question)
                )
                target_or_thread = opened or target  # "/ask hi": answered in place, no thread
                answer = await handler.deliver(
                    question, as_of=as_of, target=target_or_thread, reading=reading
                )
                handler.remember(getattr(target_or_thread, "channel", channel), asked, answer)
            return answer
        except Exception as exc:
            await handler.apologise(target, exc)
            return None

    async def on_message_command(
        self, interaction: discord.Interaction[Any], message: discord.Message, *, private: bool
    ) -> Answer | None:
        """Answer the selected message's text, publicly (like `/ask`) or only to the asker."""
        question = clean_question(message.content or "")
        if not question:
            await reply_privately(interaction, NO_TEXT)
            return None
        if not private:
            return await self.on_ask(interaction, question, rewrite=False)
        if not await self._may_answer(interaction, question):
            return None
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = InteractionTarget(interaction, ephemeral=True)
        try:
            return await self.handler.deliver(
                question,
                as_of=message.created_at.date().isoformat(),
                target=target,
                private=True,
            )
        except Exception as exc:
            await self.handler.apologise(target, exc)
            return None

    async def _may_answer(self, interaction: discord.Interaction[Any], question: str) -> bool:
        if not self.handler.allowed(interaction.channel):
            await reply_privately(interaction, NOT_HERE)
            return False
        refusal = self.handler.check(question, interaction.user.id)
        if refusal:
            await reply_privately(interaction, refusal)
            return False
        return True

    async def _slash_thread(
        self, interaction: discord.Interaction[Any], question: str
    ) -> Target | None:
        """In thread mode, post the question and open a thread on it for the answer."""
        channel = interaction.channel
        if not self.handler.settings.thread_mode or not isinstance(channel, discord.TextChannel):
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
