"""`/citebot add|forget|sources|sync|sync-commands`: managers only, checked when run; ephemeral."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.app import build_citebot
from bot.discord_app.admin import MANAGERS_ONLY, NOTHING_TO_ADD
from bot.discord_app.client import DiscordApp
from bot.feedback import FeedbackStore
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import snapshot_hook
from ingest.pipeline import ingest
from tests.discord_support import FakeSent, fake_interaction
from tests.web_support import Site, serve

NOTES = b"""# Lunar greenhouse trial

The Selene greenhouse grew 40 kilograms of potatoes in lunar regolith during its 2031 trial.
Engineers said the harvest proves crops can grow in treated moon soil.
"""


@pytest.fixture
def app(seeds_copy: Path, tmp_path: Path, embedder: LocalEmbedder) -> DiscordApp:
    """A bot on its own store (these tests change it), seeded with the demo article."""
    settings = Settings(store=tmp_path / "store", collection="admin", feedback_db=None)
    ingest(
        [seeds_copy],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
    )
    return DiscordApp(build_citebot(settings), feedback=FeedbackStore(tmp_path / "fb.sqlite3"))


def sub(app: DiscordApp, name: str) -> Any:
    group = app.tree.get_command("citebot")
    assert isinstance(group, app_commands.Group)
    found = group.get_command(name)
    assert isinstance(found, app_commands.Command)
    return found


def attachment(name: str, data: bytes) -> Any:
    file = mock.MagicMock(spec_set=discord.Attachment)
    file.filename, file.size = name, len(data)
    file.read = mock.AsyncMock(return_value=data)
    return file


def private_reply(interaction: Any) -> str:
    call = interaction.response.send_message.await_args
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    return str(call.args[0])


def edits(interaction: Any) -> list[str]:
    calls = interaction.edit_original_response.await_args_list
    assert all(c.kwargs["allowed_mentions"].to_dict() == {"parse": []} for c in calls)
    return [str(c.kwargs["content"]) for c in calls]


def test_the_group_is_hidden_from_members_and_guild_only(app: DiscordApp) -> None:
    group = app.tree.get_command("citebot")
    assert isinstance(group, app_commands.Group) and group.guild_only
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert {c.name for c in group.commands} == {
        "add",
        "forget",
        "sources",
        "sync",
        "sync-commands",
    }
    assert app.tree.get_command("citebot-sync") is None  # moved into the group


async def test_add_without_permission_is_refused_and_logged(
    app: DiscordApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app.admin")
    member = fake_interaction()
    file = attachment("notes.md", NOTES)

    await sub(app, "add").callback(member, file=file, url=None)

    assert private_reply(member) == MANAGERS_ONLY
    file.read.assert_not_awaited()
    assert "discord:notes.md" not in app.citebot.store.records()
    assert "refused" in caplog.text and "4242" in caplog.text


async def test_add_an_attached_file_with_progress_then_answer_from_it(
    app: DiscordApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app.admin")
    manager = fake_interaction(manage_guild=True)

    await sub(app, "add").callback(manager, file=attachment("notes.md", NOTES), url=None)

    manager.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    shown = edits(manager)
    assert shown[0].startswith("Adding `notes.md`")
    assert shown[-1].startswith("Added `discord:notes.md`")
    record = app.citebot.store.records()["discord:notes.md"]
    assert record.title == "Lunar greenhouse trial"
    assert "add file 'notes.md'" in caplog.text and "(4242)" in caplog.text
    answer = await app.citebot.answerer.aanswer("How many kilograms of potatoes did Selene grow?")
    assert not answer.refused and answer.citations[0].doc_id == "discord:notes.md"

    again = fake_interaction(manage_guild=True)
    await sub(app, "add").callback(again, file=attachment("notes.md", NOTES), url=None)
    assert edits(again)[-1] == "`discord:notes.md` is already indexed and unchanged."


async def test_add_an_attached_word_document(app: DiscordApp) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Lunar greenhouse trial", level=1)
    document.add_paragraph(NOTES.decode().split("\n", 2)[2])
    buffer = io.BytesIO()
    document.save(buffer)
    manager = fake_interaction(manage_guild=True)

    await sub(app, "add").callback(manager, file=attachment("Trial report.docx", buffer.getvalue()))

    assert edits(manager)[-1].startswith("Added `discord:Trial_report.docx`")
    answer = await app.citebot.answerer.aanswer("How many kilograms of potatoes did Selene grow?")
    assert not answer.refused and answer.citations[0].doc_id == "discord:Trial_report.docx"


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("photo.png", 10, "not a file type I can read"),
        ("big.md", 30_000_000, "the limit is 20 MB"),
    ],
)
async def test_add_refuses_what_it_cannot_read_before_downloading(
    app: DiscordApp, name: str, size: int, expected: str
) -> None:
    manager = fake_interaction(manage_guild=True)
    file = attachment(name, b"x")
    file.size = size

    await sub(app, "add").callback(manager, file=file, url=None)

    assert expected in private_reply(manager)
    file.read.assert_not_awaited()


async def test_an_unreadable_upload_says_why(app: DiscordApp) -> None:
    manager = fake_interaction(manage_guild=True)

    await sub(app, "add").callback(manager, file=attachment("blank.txt", b"\x00\x01"), url=None)

    assert "I could not read 'blank.txt'" in edits(manager)[-1]


@pytest.fixture
def site() -> Iterator[Site]:
    for running in serve():
        running.html(
            "/news/greenhouse.html",
            "Lunar greenhouse trial",
            "The Selene greenhouse grew 40 kilograms of potatoes in lunar regolith in 2031.",
        )
        yield running


def on_own_network(app: DiscordApp) -> None:
    """Tests serve pages on 127.0.0.1, which the SSRF guard refuses unless told otherwise."""
    update = {"allow_private_urls": True, "fetch_retries": 0}
    app.citebot.settings = app.citebot.settings.model_copy(update=update)


async def test_add_a_web_page_by_url(app: DiscordApp, site: Site) -> None:
    on_own_network(app)
    manager = fake_interaction(manage_guild=True)
    url = site.url("/news/greenhouse.html")

    await sub(app, "add").callback(manager, file=None, url=url)

    shown = edits(manager)
    assert shown[0].startswith(f"Adding `{url}`: fetching the page")
    assert shown[-1].startswith(f"Added `{url}`")
    answer = await app.citebot.answerer.aanswer("How many kilograms of potatoes did Selene grow?")
    assert not answer.refused and answer.citations[0].url == url


async def test_a_private_address_is_refused_by_the_ssrf_guard(app: DiscordApp, site: Site) -> None:
    manager = fake_interaction(manage_guild=True)
    url = site.url("/news/greenhouse.html")

    await sub(app, "add").callback(manager, file=None, url=url)

    assert f"I could not add {url}" in edits(manager)[-1]
    assert "CITEBOT_ALLOW_PRIVATE_URLS" in edits(manager)[-1]
    assert site.requests_to("/news/greenhouse.html") == []


async def test_add_needs_exactly_one_of_file_and_url(app: DiscordApp) -> None:
    neither, both = fake_interaction(manage_guild=True), fake_interaction(manage_guild=True)

    await sub(app, "add").callback(neither)
    await sub(app, "add").callback(both, file=attachment("a.md", NOTES), url="https://a.example/")

    assert private_reply(neither) == NOTHING_TO_ADD == private_reply(both)


async def test_sync_runs_the_sources_file_and_says_how_each_source_went(
    app: DiscordApp, site: Site, tmp_path: Path
) -> None:
    on_own_network(app)
    member, missing = fake_interaction(), fake_interaction(manage_guild=True)
    await sub(app, "sync").callback(member)
    await sub(app, "sync").callback(missing)
    (tmp_path / "citebot.toml").write_text(  # the bot's working folder (tests run in tmp_path)
        f'[[source]]\nname = "moon"\nurl = "{site.url("/news/greenhouse.html")}"\n'
        f'[[source]]\nname = "gone"\nurl = "{site.url("/missing.html")}"\n',
        encoding="utf-8",
    )
    manager = fake_interaction(manage_guild=True)

    await sub(app, "sync").callback(manager)

    assert private_reply(member) == MANAGERS_ONLY
    assert "There is no sources file (citebot.toml)" in edits(missing)[-1]
    report = edits(manager)[-1]
    assert "✅ moon: 1 added" in report and "❌ gone: HTTP 404" in report
    answer = await app.citebot.answerer.aanswer("How many kilograms of potatoes did Selene grow?")
    assert not answer.refused


async def test_forget_by_id_and_its_autocomplete_are_for_managers_only(app: DiscordApp) -> None:
    [seed] = app.citebot.store.records()
    member, manager = fake_interaction(), fake_interaction(manage_guild=True)
    forget = sub(app, "forget")

    assert await app.admin.choices(member, "") == []
    [choice] = await app.admin.choices(manager, "nissan")
    assert choice.value == seed and len(choice.name) <= 100

    await forget.callback(member, source=seed)
    assert private_reply(member) == MANAGERS_ONLY
    assert seed in app.citebot.store.records()

    await forget.callback(manager, source=seed)
    assert edits(manager)[-1].startswith(f"Removed `{seed}`")
    assert app.citebot.store.records() == {}
    answer = await app.citebot.answerer.aanswer("What is Honda's 2040 target?")
    assert answer.refused  # gone from the dense and the BM25 side


async def test_forget_by_url_and_unknown_sources(app: DiscordApp) -> None:
    manager, unknown = fake_interaction(manage_guild=True), fake_interaction(manage_guild=True)
    await sub(app, "add").callback(
        manager, file=attachment("page.md", b"---\nurl: https://ex.example/p\n---\n" + NOTES)
    )

    await sub(app, "forget").callback(unknown, source="https://nowhere.example/")
    gone = fake_interaction(manage_guild=True)
    await sub(app, "forget").callback(gone, source="https://ex.example/p")

    assert "No indexed source has the id or URL" in edits(unknown)[-1]
    assert edits(gone)[-1].startswith("Removed `discord:page.md`")


async def test_sources_lists_and_filters(app: DiscordApp) -> None:
    everything, filtered = fake_interaction(manage_guild=True), fake_interaction(manage_guild=True)

    await sub(app, "sources").callback(everything)
    await sub(app, "sources").callback(filtered, filter="no such words")

    assert "**1 of 1 sources**" in private_reply(everything)
    assert "Nissan and Honda" in private_reply(everything)
    assert "**0 of 1 sources** matching `no such words`" in private_reply(filtered)


async def test_sync_commands_is_for_server_managers_only(app: DiscordApp) -> None:
    app.tree.sync = mock.AsyncMock(return_value=[1, 2, 3, 4])  # type: ignore[method-assign]
    app.admin.sync_commands = app.tree.sync
    member, manager = fake_interaction(), fake_interaction(manage_guild=True)

    await sub(app, "sync-commands").callback(member)
    await sub(app, "sync-commands").callback(manager)

    assert private_reply(member) == MANAGERS_ONLY
    app.tree.sync.assert_awaited_once()
    sent: list[FakeSent] = manager.followup.send.sent
    assert "Synced 4 commands" in (sent[0].content or "")
