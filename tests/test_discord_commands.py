"""Slash commands called through `command.callback(...)` with a spec'd fake Interaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app import build_citebot
from bot.discord_app.client import MINIMAL_PERMISSIONS, DiscordApp, intents_for, invite_url
from bot.discord_app.handler import APOLOGY, INDEX_DOWN
from bot.feedback import FeedbackStore
from bot.settings import Settings
from ingest.index.errors import StoreUnavailable
from tests.discord_support import FakeSent, fake_interaction

SEED_QUESTION = "What is Honda's 2040 target?"
NONE = {"parse": []}


@pytest.fixture
def app(seeded_settings: Settings, tmp_path: Path) -> DiscordApp:
    settings = seeded_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})
    return DiscordApp(build_citebot(settings), feedback=FeedbackStore(tmp_path / "fb.sqlite3"))


def command(app: DiscordApp, name: str) -> Any:
    found = app.tree.get_command(name)
    assert isinstance(found, app_commands.Command)
    return found.callback


def followups(interaction: Any) -> list[FakeSent]:
    sent: list[FakeSent] = interaction.followup.send.sent
    return sent


async def test_ask_defers_then_follows_up_with_the_cited_answer(app: DiscordApp) -> None:
    interaction = fake_interaction()

    await command(app, "ask")(interaction, question=SEED_QUESTION)

    interaction.response.defer.assert_awaited_once_with(thinking=True)
    [answer] = followups(interaction)
    assert "2040" in (answer.content or "") and "[1]" in (answer.content or "")
    [embed] = answer.kwargs["embeds"]
    assert embed.title == "Sources" and "as of 2024-03-20" in (embed.footer.text or "")
    assert isinstance(answer.kwargs["view"], discord.ui.View)
    assert answer.kwargs["allowed_mentions"].to_dict() == NONE


async def test_ask_in_a_text_channel_answers_in_a_thread_on_the_question(app: DiscordApp) -> None:
    thread = mock.MagicMock(spec=discord.Thread, id=77)
    thread.send = mock.AsyncMock(return_value=FakeSent(None, {}))
    channel = mock.MagicMock(spec=discord.TextChannel, id=55)
    channel.create_thread = mock.AsyncMock(return_value=thread)
    interaction = fake_interaction(channel=channel)

    await command(app, "ask")(interaction, question=f"@everyone {SEED_QUESTION}")

    [header] = followups(interaction)
    assert "asked:" in (header.content or "") and "@everyone" not in (header.content or "")
    assert header.kwargs["allowed_mentions"].to_dict() == NONE
    assert channel.create_thread.await_args.kwargs["message"] is header
    answer = thread.send.await_args
    assert "2040" in answer.args[0] and answer.kwargs["allowed_mentions"].to_dict() == NONE
    assert app.handler.conversations.history(77)  # follow-ups in that thread have context


async def test_ask_with_small_talk_is_answered_in_place_without_a_thread(app: DiscordApp) -> None:
    channel = mock.MagicMock(spec=discord.TextChannel, id=55)
    channel.create_thread = mock.AsyncMock()
    interaction = fake_interaction(channel=channel)

    await command(app, "ask")(interaction, question="hi!")

    [reply] = followups(interaction)
    assert (reply.content or "").startswith("Hi! Ask me anything about the 1 indexed article")
    channel.create_thread.assert_not_awaited()
    assert reply.kwargs["allowed_mentions"].to_dict() == NONE


@pytest.mark.parametrize(
    ("changes", "question", "expected"),
    [
        ({"allowed_channels": [1]}, SEED_QUESTION, "I don't answer questions in this channel."),
        ({"max_question_chars": 20}, SEED_QUESTION, "please keep it under 20"),
        ({}, "   ", "Ask me a question"),
    ],
)
async def test_ask_refusals_are_ephemeral_and_skip_the_answerer(
    app: DiscordApp, changes: dict[str, Any], question: str, expected: str
) -> None:
    app.handler.settings = app.settings.model_copy(update=changes)
    interaction = fake_interaction()

    await command(app, "ask")(interaction, question=question)

    interaction.response.defer.assert_not_awaited()
    call = interaction.response.send_message.await_args
    assert expected in call.args[0] and call.kwargs["ephemeral"] is True
    assert followups(interaction) == []


async def test_ask_rate_limit_is_a_private_polite_notice(app: DiscordApp) -> None:
    app.handler.limiter.capacity = 1
    first, second = fake_interaction(), fake_interaction()

    await command(app, "ask")(first, question=SEED_QUESTION)
    await command(app, "ask")(second, question=SEED_QUESTION)

    assert followups(first)
    notice = second.response.send_message.await_args
    assert "Please wait" in notice.args[0] and notice.kwargs["ephemeral"] is True


@pytest.mark.parametrize(
    ("error", "expected"),
    [(RuntimeError("secret detail"), APOLOGY), (StoreUnavailable("down"), INDEX_DOWN)],
)
async def test_failures_become_a_short_apology_and_details_stay_in_the_log(
    app: DiscordApp,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    expected: str,
) -> None:
    monkeypatch.setattr(app.handler.answerer, "aanswer", mock.AsyncMock(side_effect=error))
    interaction = fake_interaction()

    await command(app, "ask")(interaction, question=SEED_QUESTION)

    [apology] = followups(interaction)
    assert apology.content == expected
    assert str(error) in caplog.text


async def test_sources_and_about_reply_privately(app: DiscordApp) -> None:
    sources, about = fake_interaction(), fake_interaction()

    await command(app, "sources")(sources)
    await command(app, "about")(about)

    listing = sources.response.send_message.await_args
    assert listing.kwargs["ephemeral"] is True
    assert "**1 article indexed** in `seeds`" in listing.args[0]
    assert "Nissan and Honda" in listing.args[0]
    info = about.response.send_message.await_args
    assert info.kwargs["ephemeral"] is True
    assert "extractive" in info.args[0] and "`seeds`" in info.args[0]


async def test_commands_sync_on_first_start_and_when_changed_or_forced(app: DiscordApp) -> None:
    app.tree.sync = mock.AsyncMock(return_value=[])  # type: ignore[method-assign]

    await app.setup()
    await app.setup()
    app.sync = True
    await app.setup()

    assert app.tree.sync.await_count == 2


async def test_command_errors_get_a_private_apology(app: DiscordApp) -> None:
    failed, forbidden, late = fake_interaction(), fake_interaction(), fake_interaction()
    await late.response.defer()

    await app.on_app_command_error(failed, app_commands.AppCommandError("boom"))
    await app.on_app_command_error(forbidden, app_commands.CheckFailure("nope"))
    await app.on_app_command_error(late, app_commands.AppCommandError("boom"))

    crash = failed.response.send_message.await_args
    assert crash.args[0].startswith("Sorry") and "boom" not in crash.args[0]
    assert crash.kwargs["ephemeral"] is True
    assert "permission" in forbidden.response.send_message.await_args.args[0]
    assert late.followup.send.await_args.kwargs["ephemeral"] is True  # already deferred


@pytest.mark.parametrize(
    ("changes", "message_content"),
    [({}, True), ({"followups": False}, False), ({"followups": False, "mentions": False}, False)],
)
def test_intents_ask_only_for_what_is_used(
    seeded_settings: Settings, changes: dict[str, Any], message_content: bool
) -> None:
    intents = intents_for(seeded_settings.model_copy(update=changes))

    assert intents.guilds and not intents.members and not intents.presences
    assert intents.message_content is message_content
    assert intents.guild_messages is (changes.get("mentions", True) or message_content)
    assert not intents.dm_messages


def test_sharded_setting_builds_an_auto_sharded_client(
    seeded_settings: Settings, tmp_path: Path
) -> None:
    settings = seeded_settings.model_copy(
        update={"sharded": True, "feedback_db": tmp_path / "fb.sqlite3"}
    )

    app = DiscordApp(build_citebot(settings))

    assert isinstance(app.client, discord.AutoShardedClient)
    assert app.client.allowed_mentions is not None
    assert app.client.allowed_mentions.to_dict() == NONE


def test_documented_invite_link_asks_for_exactly_the_minimal_permissions() -> None:
    docs = (Path(__file__).resolve().parent.parent / "README.md").read_text()

    assert f"permissions={MINIMAL_PERMISSIONS.value}" in docs
    assert "scope=bot%20applications.commands" in docs
    url = invite_url(123)
    assert f"permissions={MINIMAL_PERMISSIONS.value}" in url and "applications.commands" in url
    assert not MINIMAL_PERMISSIONS.administrator and not MINIMAL_PERMISSIONS.mention_everyone


async def test_a_long_allowed_question_still_opens_its_thread(app: DiscordApp) -> None:
    app.handler.settings = app.settings.model_copy(update={"max_question_chars": 4000})
    thread = mock.MagicMock(spec=discord.Thread, id=78)
    thread.send = mock.AsyncMock(return_value=FakeSent(None, {}))
    channel = mock.MagicMock(spec=discord.TextChannel, id=56)
    channel.create_thread = mock.AsyncMock(return_value=thread)
    interaction = fake_interaction(channel=channel)
    question = ("Tell me about Honda's plans for electric and fuel cell vehicles. " * 50).strip()
    assert 2000 < len(question) <= 4000

    await command(app, "ask")(interaction, question=question)

    [header] = followups(interaction)
    assert "asked:" in (header.content or "") and len(header.content or "") <= 2000
    assert thread.send.await_args is not None  # answered in the thread, not an apology
