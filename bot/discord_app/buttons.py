"""Buttons under answers; each custom_id carries what it needs, so they survive restarts.

👍/👎 store a vote; "Ask again" (on answers whose sources changed) answers the recorded question
anew; "Ask a human" (refusals and 👎, when CITEBOT_ESCALATE_ROLE is set) posts in the thread
mentioning that role: the one mention citebot ever allows, and only that role.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import discord

from bot.feedback import FeedbackStore, Vote

log = logging.getLogger(__name__)

THANKS = {
    "up": "Thanks! Glad it helped. 👍",
    "down": "Thanks, noted. 👎 We'll use this to improve.",
}


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"citebot:fb:(?P<vote>up|down):(?P<answer>[0-9a-f]{32})",
):
    """A 👍 or 👎 button whose custom_id carries the vote and the answer id (survives restarts)."""

    def __init__(self, vote: Vote, answer_id: str):
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"citebot:fb:{vote}:{answer_id}",
            )
        )
        self.vote: Vote = vote
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> FeedbackButton:
        """Rebuild the button from a clicked custom_id."""
        vote: Vote = "up" if match["vote"] == "up" else "down"
        return cls(vote, match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Store the vote and thank the user privately."""
        store = getattr(interaction.client, "feedback", None)
        none = discord.AllowedMentions.none()
        if not isinstance(store, FeedbackStore):
            await interaction.response.send_message(
                "Feedback isn't being collected right now.", ephemeral=True, allowed_mentions=none
            )
            return
        try:
            previous = await asyncio.to_thread(
                store.vote, self.answer_id, interaction.user.id, self.vote
            )
        except KeyError:
            message = "I no longer have a record of that answer, so the vote wasn't saved."
        except sqlite3.Error:
            log.exception("could not store a feedback vote")
            message = "Sorry, I couldn't save that vote. Please try again later."
        else:
            message = THANKS[self.vote]
            if previous is not None and previous != self.vote:
                message = f"Changed your vote. {message}"
            elif previous == self.vote:
                message = "You already voted that way; your vote is unchanged."
        role = escalate_role(interaction)
        if self.vote == "down" and role is not None and message.startswith(("Thanks", "Changed")):
            view = discord.ui.View(timeout=None)
            view.add_item(EscalateButton(self.answer_id))
            await interaction.response.send_message(
                f"{message} Want a person to look at it?",
                view=view,
                ephemeral=True,
                allowed_mentions=none,
            )
            return
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=none)


def escalate_role(interaction: discord.Interaction[Any]) -> int | None:
    """The role the "Ask a human" button mentions (CITEBOT_ESCALATE_ROLE), if any."""
    role = getattr(interaction.client, "escalate_role", None)
    return role if isinstance(role, int) else None


def escalation_mentions(role_id: int) -> discord.AllowedMentions:
    """Allow exactly one role mention: nobody else, no @everyone, no reply ping."""
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role_id)], replied_user=False
    )


class EscalateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"citebot:human:(?P<answer>[0-9a-f]{32})",
):
    """ "Ask a human": post in the thread mentioning the escalation role."""

    def __init__(self, answer_id: str):
        super().__init__(
            discord.ui.Button(
                label="Ask a human",
                emoji="🙋",
                style=discord.ButtonStyle.secondary,
                custom_id=f"citebot:human:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> EscalateButton:
        """Rebuild the button from a clicked custom_id."""
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Mention the role once in the answer's channel; tell the clicker privately."""
        none = discord.AllowedMentions.none()
        role = escalate_role(interaction)
        channel = interaction.channel
        if role is None or not isinstance(channel, discord.abc.Messageable):
            await interaction.response.send_message(
                "Asking a human isn't set up here.", ephemeral=True, allowed_mentions=none
            )
            return
        asked: set[str] = getattr(interaction.client, "escalated", set())
        if self.answer_id in asked:
            await interaction.response.send_message(
                "Someone already asked a human about this answer.",
                ephemeral=True,
                allowed_mentions=none,
            )
            return
        asked.add(self.answer_id)
        who = discord.utils.escape_mentions(interaction.user.display_name)
        await channel.send(
            f"<@&{role}> {who} would like a person to look at this question.",
            allowed_mentions=escalation_mentions(role),
        )
        log.info("user %s asked a human about answer %s", interaction.user.id, self.answer_id)
        await interaction.response.send_message(
            "I've asked the team; someone will look at it here.",
            ephemeral=True,
            allowed_mentions=none,
        )


class AskAgainButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"citebot:again:(?P<answer>[0-9a-f]{32})",
):
    """ "Ask again" on an answer whose cited sources changed: answer the same question anew."""

    def __init__(self, answer_id: str):
        super().__init__(
            discord.ui.Button(
                label="Ask again",
                emoji="🔄",
                style=discord.ButtonStyle.primary,
                custom_id=f"citebot:again:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> AskAgainButton:
        """Rebuild the button from a clicked custom_id."""
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Look up the recorded question and answer it like `/ask` (no follow-up rewrite)."""
        store = getattr(interaction.client, "feedback", None)
        ask = getattr(interaction.client, "ask_again", None)
        row = await asyncio.to_thread(store.answer, self.answer_id) if store else None
        if row is None or ask is None:
            await interaction.response.send_message(
                "I no longer have that question; please ask it again with /ask.",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        await ask(interaction, str(row["question"]))


def feedback_view(
    answer_id: str, *, escalate: bool = False, ask_again: bool = False
) -> discord.ui.View:
    """The row under an answer: 👍/👎, plus "Ask a human" or "Ask again" (no timeout)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", answer_id))
    view.add_item(FeedbackButton("down", answer_id))
    if escalate:
        view.add_item(EscalateButton(answer_id))
    if ask_again:
        view.add_item(AskAgainButton(answer_id))
    return view


DYNAMIC_ITEMS = (FeedbackButton, EscalateButton, AskAgainButton)
