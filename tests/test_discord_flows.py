"""Mentions and thread follow-ups end to end through discord.py + dpytest (Discord's side faked)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend, callbacks
from discord.ext.test import factories as facts

from bot.app import build_citebot
from bot.discord_app.client import DiscordApp
from bot.feedback import FeedbackStore
from bot.settings import Settings
from tests.discord_support import Wire, connect_dpytest, make_thread, patch_dpytest, pings_nobody

SEED_QUESTION = "What is Honda's 2040 target?"


@dataclass
class Harness:
    app: DiscordApp
    wire: Wire
    feedback: FeedbackStore

    @property
    def me(self) -> discord.ClientUser:
        user = self.app.client.user
        assert user is not None
        return user

    @property
    def channel(self) -> discord.TextChannel:
        channel = dpytest.get_config().channels[0]
        assert isinstance(channel, discord.TextChannel)
        return channel

    def mention(self, text: str) -> str:
        return f"<@{self.me.id}> {text}"

    async def thread_on_the_question(self) -> discord.Thread:
        """Ask the seed question with a mention: the thread citebot opens on it."""
        question = await dpytest.message(self.mention(SEED_QUESTION))
        thread = self.channel.guild.get_thread(question.id)
        assert thread is not None
        return thread

    def sent_to(self, channel_id: int) -> list[dict[str, Any]]:
        return [p for p in self.wire.sends if p["channel_id"] == channel_id]


async def start(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Harness:
    """Build the real app on the seeded index and connect it to dpytest's fake Discord."""
    wire = patch_dpytest(monkeypatch)
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    app = DiscordApp(build_citebot(settings), feedback=feedback)
    await connect_dpytest(app.client, members=2)
    return Harness(app, wire, feedback)


@pytest.fixture
def discord_settings(seeded_settings: Settings, tmp_path: Path) -> Settings:
    return seeded_settings.model_copy(update={"feedback_db": tmp_path / "feedback.sqlite3"})


@pytest.fixture
async def harness(
    discord_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Harness]:
    yield await start(discord_settings, monkeypatch, tmp_path)
    await dpytest.empty_queue()


async def test_mention_opens_thread_with_cited_answer_sources_and_buttons(harness: Harness) -> None:
    question = await dpytest.message(harness.mention(SEED_QUESTION))

    [thread] = harness.wire.threads
    assert int(thread["id"]) == question.id  # opened on the question message
    assert thread["name"] == SEED_QUESTION
    [answer] = harness.sent_to(question.id)
    assert "2040" in answer["content"] and "[1]" in answer["content"]
    [sources] = answer["embeds"]
    assert sources["title"] == "Sources"
    assert "**[1]**" in sources["description"] and "2040" in sources["description"]
    assert "Nissan and Honda" in sources["description"]
    buttons = answer["components"][0]["components"]
    assert [b["emoji"]["name"] for b in buttons] == ["👍", "👎"]
    assert all(b["custom_id"].startswith("citebot:fb:") for b in buttons)
    assert all(pings_nobody(p) for p in harness.wire.payloads())


async def test_question_date_is_the_answers_as_of_date(harness: Harness) -> None:
    asked = dt.datetime(2024, 3, 20, 9, 30, tzinfo=dt.UTC)
    backend.make_message(
        harness.mention(SEED_QUESTION),
        dpytest.get_config().members[0],
        harness.channel,
        id_num=discord.utils.time_snowflake(asked),
    )
    await dpytest.run_all_events()

    [answer] = [p for p in harness.wire.sends if p.get("embeds")]
    assert "as of 2024-03-20" in answer["embeds"][0]["footer"]["text"]


async def test_follow_up_in_the_bots_thread_is_answered_without_a_mention(
    harness: Harness,
) -> None:
    question = await dpytest.message(harness.mention(SEED_QUESTION))
    thread = harness.channel.guild.get_thread(question.id)
    assert thread is not None and thread.owner_id == harness.me.id

    await dpytest.message("What about Nissan?", channel=thread)

    answers = harness.sent_to(thread.id)
    assert len(answers) == 2
    follow_up = answers[1]
    assert "Nissan" in follow_up["content"] and "[1]" in follow_up["content"]
    assert follow_up["embeds"][0]["title"] == "Sources"
    # extractive mode asks what the previous question asked ("What ...") about Nissan, with
    # that question's topic words, before retrieving
    with sqlite3.connect(harness.feedback.path) as db:
        [(asked,)] = db.execute("SELECT question FROM answers WHERE question LIKE '%Nissan%'")
    assert asked.startswith("What: Nissan?") and "honda" in asked.lower()


async def test_small_talk_in_the_bots_thread_gets_no_reply_but_source_does(
    harness: Harness,
) -> None:
    thread = await harness.thread_on_the_question()

    await dpytest.message("thanks!", channel=thread)
    await dpytest.message("lol nice", channel=thread)
    assert len(harness.sent_to(thread.id)) == 1  # only the answer to the question

    await dpytest.message("source?", channel=thread)

    [_, told] = harness.sent_to(thread.id)
    assert told["content"].startswith("Each answer lists its sources under it")
    assert not told.get("components")  # nothing to vote on


async def test_tell_me_more_in_the_thread_reads_on_in_the_article(harness: Harness) -> None:
    thread = await harness.thread_on_the_question()

    await dpytest.message("tell me more", channel=thread)

    [answer, more] = harness.sent_to(thread.id)
    assert "2040" in answer["content"]
    assert more["content"].startswith("Nissan is already engaged in a collaboration with Renault")
    assert more["embeds"][0]["title"] == "Sources"


async def test_two_quick_follow_ups_in_one_thread_are_answered_in_turn(harness: Harness) -> None:
    thread = await harness.thread_on_the_question()

    await asyncio.gather(
        dpytest.message("tell me more", channel=thread), dpytest.message("go on", channel=thread)
    )

    [_, *replies] = [p["content"] for p in harness.sent_to(thread.id)]
    # the second reads on where the first stopped, not from the same place
    assert len(replies) == 2 and replies[0] != replies[1]
    assert any(r.startswith("Nissan is already engaged") for r in replies)
    assert "That is all the article says about it." in replies
    assert len(harness.app.handler.turns) == 0  # no lock kept for an idle thread


async def test_whats_new_mention_lists_the_newest_articles_in_place(harness: Harness) -> None:
    asked = await dpytest.message(harness.mention("what's new?"))

    [listed] = harness.wire.sends
    assert harness.wire.threads == [] and listed["message_reference"]["message_id"] == asked.id
    assert listed["content"].startswith("The newest of the 1 indexed article: [1].")
    assert "Nissan and Honda may partner" in listed["embeds"][0]["description"]
    assert not listed.get("components")


async def test_a_greeting_mention_is_answered_in_place_without_a_thread(harness: Harness) -> None:
    greeting = await dpytest.message(harness.mention("hi!"))

    [reply] = harness.wire.sends
    assert harness.wire.threads == []
    assert reply["message_reference"]["message_id"] == greeting.id
    assert reply["content"].startswith("Hi! Ask me anything about the 1 indexed article")
    assert not reply.get("components") and not reply.get("embeds")
    assert pings_nobody(reply)


async def test_ignores_bots_itself_and_threads_it_did_not_start(harness: Harness) -> None:
    other_bot = backend.get_state().store_user(
        facts.make_user_dict("OtherBot", "0007", None, bot=True)
    )
    bot_member = backend.make_member(other_bot, harness.channel.guild)
    await dpytest.message(harness.mention(SEED_QUESTION), member=bot_member)
    foreign = make_thread(harness.channel, owner_id=dpytest.get_config().members[0].id)
    await dpytest.message("What is Honda's target?", channel=foreign)

    assert harness.wire.sends == [] and harness.wire.threads == []


async def test_ignores_channels_outside_the_allow_list(
    discord_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = discord_settings.model_copy(update={"allowed_channels": [1234]})
    harness = await start(settings, monkeypatch, tmp_path)

    await dpytest.message(harness.mention(SEED_QUESTION))

    assert harness.wire.sends == []
    await dpytest.empty_queue()


async def test_rate_limit_replies_politely_then_stops_answering(
    discord_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = discord_settings.model_copy(update={"rate_limit_per_minute": 2})
    harness = await start(settings, monkeypatch, tmp_path)

    for _ in range(3):
        await dpytest.message(harness.mention(SEED_QUESTION))

    assert len(harness.wire.threads) == 2
    notice = harness.sent_to(harness.channel.id)[-1]
    assert "wait" in notice["content"] and "seconds" in notice["content"]
    assert notice["message_reference"]["message_id"]  # a reply to the third question
    assert pings_nobody(notice)
    await dpytest.empty_queue()


async def test_everyone_in_a_question_never_pings(harness: Harness) -> None:
    await dpytest.message(
        harness.mention(f"@everyone <@&{harness.channel.guild.id}> {SEED_QUESTION}")
    )

    assert harness.wire.sends
    for payload in harness.wire.payloads():
        assert pings_nobody(payload)
        assert "@everyone" not in (payload.get("content") or "")


async def test_inline_replies_when_thread_mode_is_off(
    discord_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = discord_settings.model_copy(update={"thread_mode": False})
    harness = await start(settings, monkeypatch, tmp_path)

    question = await dpytest.message(harness.mention(SEED_QUESTION))

    [answer] = harness.sent_to(harness.channel.id)
    assert harness.wire.threads == []
    assert answer["message_reference"]["message_id"] == question.id
    assert "2040" in answer["content"]
    await dpytest.empty_queue()


async def test_no_thread_permission_falls_back_to_a_reply_in_the_channel(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.wire.forbid_threads = True

    await dpytest.message(harness.mention(SEED_QUESTION))
    await dpytest.message(harness.mention(SEED_QUESTION))

    answers = harness.sent_to(harness.channel.id)
    assert len(answers) == 2 and all("2040" in a["content"] for a in answers)
    assert len([r for r in caplog.records if "cannot create threads" in r.getMessage()]) == 1


async def test_no_embed_permission_falls_back_to_a_plain_source_list(harness: Harness) -> None:
    harness.wire.forbid_embeds = True

    await dpytest.message(harness.mention(SEED_QUESTION))

    [answer] = harness.wire.sends
    assert "**Sources**" in answer["content"] and "**[1]**" in answer["content"]
    assert not answer.get("embeds")


async def test_empty_mention_and_overlong_question_get_a_helpful_reply(harness: Harness) -> None:
    await dpytest.message(harness.mention(""))
    await dpytest.message(harness.mention("why " * 200))

    first, second = harness.sent_to(harness.channel.id)
    assert "Ask me a question" in first["content"]
    assert "please keep it under 500" in second["content"]
    assert harness.wire.threads == []


async def test_concurrent_questions_each_get_exactly_one_answer_or_notice(
    discord_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = discord_settings.model_copy(update={"rate_limit_per_minute": 2})
    harness = await start(settings, monkeypatch, tmp_path)
    users = [
        backend.make_member(backend.make_user(f"user{i}", i + 10), harness.channel.guild)
        for i in range(8)
    ]
    state = backend.get_state()
    state.stop_dispatch()  # build the messages first, then drive the handler directly
    questions = [
        backend.make_message(harness.mention(SEED_QUESTION), user, harness.channel)
        for user in users
        for _ in range(3)
    ]
    state.start_dispatch()

    answers = await asyncio.gather(*(harness.app.handler.on_message(q) for q in questions))

    assert sum(a is not None for a in answers) == 16  # 2 per user, the third is rate-limited
    assert len(harness.wire.threads) == 16
    per_thread = {t["id"]: len(harness.sent_to(int(t["id"]))) for t in harness.wire.threads}
    assert set(per_thread.values()) == {1}
    notices = [p for p in harness.sent_to(harness.channel.id) if "wait" in p["content"]]
    assert len(notices) == 8
    await dpytest.empty_queue()


async def test_a_failing_question_gets_an_apology_and_the_bot_keeps_answering(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = harness.app.handler.answerer.aanswer
    calls = {"n": 0}

    async def flaky(question: str, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom: internal detail")
        return await real(question, **kwargs)

    monkeypatch.setattr(harness.app.handler.answerer, "aanswer", flaky)

    first = await dpytest.message(harness.mention(SEED_QUESTION))
    second = await dpytest.message(harness.mention(SEED_QUESTION))

    [apology] = harness.sent_to(first.id)
    assert apology["content"].startswith("Sorry") and "boom" not in apology["content"]
    assert "boom: internal detail" in caplog.text  # the details are in the log only
    [answer] = harness.sent_to(second.id)
    assert "2040" in answer["content"]


async def test_typing_indicator_while_answering_and_start_up_report(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    typing: list[int] = []

    async def record(channel: Any) -> None:
        typing.append(channel.id)

    callbacks.set_callback(record, "send_typing")
    caplog.set_level(logging.INFO, logger="bot")

    question = await dpytest.message(harness.mention(SEED_QUESTION))
    await harness.app.on_ready()

    assert typing == [question.id]  # typing shown in the new thread
    assert "Test Guild 0" in caplog.text
    assert "collection 'seeds': 1 documents" in caplog.text and "mode: extractive" in caplog.text
    callbacks.remove_callback("send_typing")


async def test_follow_ups_join_only_the_previous_question_not_the_whole_thread(
    harness: Harness,
) -> None:
    thread = await harness.thread_on_the_question()
    follow_ups = ["What about Nissan?", "Which vehicles?", "By when?", "And fuel cells?"]
    for text in follow_ups:
        await dpytest.message(text, channel=thread)

    with sqlite3.connect(harness.feedback.path) as db:
        asked = [row[0] for row in db.execute("SELECT question FROM answers ORDER BY rowid")]
    assert asked[0] == SEED_QUESTION
    # "What about Nissan?" only names something: it asks what the question before it asked
    assert asked[1].startswith("What: Nissan?") and "2040" in asked[1]
    # each follow-up gets a few topic words; the thread does not pile up into one query
    assert asked[-1].startswith("By when: fuel cells?")
    assert SEED_QUESTION not in asked[-1] and "Which vehicles" not in asked[-1]
    assert len(asked[-1]) < len("By when: fuel cells?") + 60


async def test_a_follow_up_with_no_question_text_is_ignored(harness: Harness) -> None:
    question = await dpytest.message(harness.mention(SEED_QUESTION))
    thread = harness.channel.guild.get_thread(question.id)
    assert thread is not None
    other = dpytest.get_config().members[1]

    await dpytest.message(f"<@{other.id}>", channel=thread)  # one person pinging another

    assert len(harness.sent_to(thread.id)) == 1  # just the answer: no "Ask me a question" nag
