"""Message context menus: "Ask citebot" (public, like /ask) and "Ask citebot (only me)"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app import build_citebot
from bot.discord_app.client import ASK_MENU, ASK_PRIVATELY_MENU, DiscordApp
from bot.discord_app.slash import NO_TEXT
from bot.feedback import FeedbackStore
from bot.settings import Settings
from tests.discord_support import FakeSent, fake_interaction

NONE = {"parse": []}


@pytest.fixture
def app(seeded_settings: Settings, tmp_path: Path) -> DiscordApp:
    return DiscordApp(build_citebot(seeded_settings), feedback=FeedbackStore(tmp_path / "f.db"))


def menu(app: DiscordApp, name: str) -> Any:
    found = app.tree.get_command(name, type=discord.AppCommandType.message)
    assert isinstance(found, app_commands.ContextMenu)
    return found.callback


def selected(content: str) -> Any:
    message = mock.MagicMock(spec=discord.Message, content=content)
    message.created_at = dt.datetime(2024, 3, 21, tzinfo=dt.UTC)
    return message


async def test_ask_privately_answers_only_the_asker(app: DiscordApp) -> None:
    interaction = fake_interaction()

    await menu(app, ASK_PRIVATELY_MENU)(interaction, selected("What is Honda's 2040 target?"))

    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    [answer] = interaction.followup.send.sent
    assert "2040" in (answer.content or "") and answer.kwargs["ephemeral"] is True
    assert answer.kwargs["allowed_mentions"].to_dict() == NONE
    assert "as of 2024-03-21" in (answer.kwargs["embeds"][0].footer.text or "")
    assert app.feedback is not None
    assert not app.feedback.answered_in(interaction.channel_id)  # never posted publicly


async def test_ask_citebot_answers_in_public_in_a_thread_like_ask(app: DiscordApp) -> None:
    thread = mock.MagicMock(spec=discord.Thread, id=91)
    thread.send = mock.AsyncMock(return_value=FakeSent(None, {}, id=5))
    channel = mock.MagicMock(spec=discord.TextChannel, id=90)
    channel.create_thread = mock.AsyncMock(return_value=thread)
    interaction = fake_interaction(channel=channel)

    await menu(app, ASK_MENU)(interaction, selected("@everyone What is Honda's 2040 target?"))

    interaction.response.defer.assert_awaited_once_with(thinking=True)
    [header] = interaction.followup.send.sent
    assert "asked:" in (header.content or "") and "@everyone" not in (header.content or "")
    answer = thread.send.await_args
    assert "2040" in answer.args[0] and answer.kwargs["allowed_mentions"].to_dict() == NONE


async def test_a_message_without_text_gets_a_private_hint(app: DiscordApp) -> None:
    interaction = fake_interaction()

    await menu(app, ASK_MENU)(interaction, selected(""))

    call = interaction.response.send_message.await_args
    assert NO_TEXT in call.args[0] and call.kwargs["ephemeral"] is True
