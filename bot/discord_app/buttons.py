"""The 👍/👎 buttons under an answer: their custom_id carries the vote and the answer id."""

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
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=none)


def feedback_view(answer_id: str) -> discord.ui.View:
    """The 👍/👎 row under an answer (no timeout: the buttons keep working)."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", answer_id))
    view.add_item(FeedbackButton("down", answer_id))
    return view
