"""Forum channels: each new post is answered once, in its thread; replies there are follow-ups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest

from bot.app import build_citebot
from bot.discord_app.client import DiscordApp, intents_for
from bot.discord_app.forum import forum_question
from bot.feedback import FeedbackStore
from bot.settings import Settings
from tests.discord_support import FakeSent

FORUM = 3100
BOT = 1


def make_app(settings: Settings, tmp_path: Path) -> DiscordApp:
    app = DiscordApp(
        build_citebot(settings.model_copy(update={"forum_channels": [FORUM]})),
        feedback=FeedbackStore(tmp_path / "fb.sqlite3"),
    )
    app.handler.me = lambda: mock.Mock(id=BOT)
    return app


def forum_post(title: str, body: str | None, *, parent: int = FORUM, post_id: int = 777) -> Any:
    thread = mock.MagicMock(spec=discord.Thread, id=post_id, parent_id=parent, owner_id=4242)
    thread.name = title
    thread.created_at = dt.datetime(2024, 3, 20, 9, tzinfo=dt.UTC)
    if body is None:
        thread.starter_message = None
        thread.fetch_message = mock.AsyncMock(
            side_effect=discord.HTTPException(mock.Mock(status=403, reason="Forbidden"), "no")
        )
    else:
        starter = mock.MagicMock(spec=discord.Message, id=post_id, content=body, webhook_id=None)
        starter.author.bot = False
        thread.starter_message = starter
    thread.send = mock.AsyncMock(side_effect=lambda *a, **k: FakeSent(a[0] if a else None, k, 9))
    return thread


@pytest.fixture
def app(seeded_settings: Settings, tmp_path: Path) -> DiscordApp:
    return make_app(seeded_settings, tmp_path)


async def test_a_new_forum_post_is_answered_in_its_thread_with_sources_and_buttons(
    app: DiscordApp,
) -> None:
    post = forum_post("Honda's 2040 target", "What is Honda's 2040 target?")

    await app.on_thread_create(post)
    assert await app.forum.on_thread_create(post) is None  # a repeated event does nothing

    [call] = post.send.await_args_list
    assert "2040" in call.args[0] and "[1]" in call.args[0]
    assert call.kwargs["embeds"][0].title == "Sources"
    assert "as of 2024-03-20" in (call.kwargs["embeds"][0].footer.text or "")
    assert isinstance(call.kwargs["view"], discord.ui.View)
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert app.handler.conversations.history(777)  # follow-ups have context


async def test_a_post_is_answered_once_even_after_a_restart(
    seeded_settings: Settings, tmp_path: Path
) -> None:
    await make_app(seeded_settings, tmp_path).on_thread_create(forum_post("Honda 2040?", ""))
    again = forum_post("Honda 2040?", "")

    await make_app(seeded_settings, tmp_path).on_thread_create(again)  # same feedback store

    again.send.assert_not_awaited()


async def test_posts_elsewhere_and_unreadable_posts(app: DiscordApp) -> None:
    elsewhere = forum_post("What is Honda's 2040 target?", "", parent=42, post_id=1)
    hidden = forum_post("What is Honda's 2040 target?", None, post_id=2)

    assert await app.forum.on_thread_create(elsewhere) is None
    answer = await app.forum.on_thread_create(hidden)  # no access to the text: the title asks

    elsewhere.send.assert_not_awaited()
    assert answer is not None and not answer.refused


async def test_replies_in_a_forum_post_are_follow_ups_but_its_opening_message_is_not(
    app: DiscordApp,
) -> None:
    post = forum_post("Honda", "What is Honda's 2040 target?")

    def message(message_id: int, content: str) -> Any:
        msg = mock.MagicMock(spec=discord.Message, id=message_id, content=content)
        msg.channel, msg.webhook_id, msg.mentions, msg.role_mentions = post, None, [], []
        msg.author.bot = False
        return msg

    assert app.handler.question_in(message(777, "What is Honda's 2040 target?")) is None
    assert app.handler.question_in(message(778, "And by 2030?")) == "And by 2030?"
    app.handler.settings = app.settings.model_copy(update={"allowed_channels": [1]})
    assert app.handler.question_in(message(779, "And 2050?")) == "And 2050?"  # forums opt in


def test_forum_question_joins_title_and_text_and_fits_the_limit() -> None:
    assert forum_question("EV plans", "What is Honda's target?", 500) == (
        "EV plans. What is Honda's target?"
    )
    assert forum_question("What is the target?", "What is the target? Thanks", 500) == (
        "What is the target? Thanks"
    )
    assert len(forum_question("Title", "word " * 400, 100)) <= 100


def test_forum_channels_ask_for_the_message_content_intent(seeded_settings: Settings) -> None:
    settings = seeded_settings.model_copy(update={"followups": False, "forum_channels": [1]})
    assert intents_for(settings).message_content
