"""A cited article changes (ingested by another process): the old answer's footer says so."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import discord
import pytest
import typer
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.report_cmd import register
from bot.discord_app.buttons import AskAgainButton
from bot.discord_app.client import DiscordApp
from bot.feedback import FeedbackStore
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import snapshot_hook
from ingest.pipeline import ingest
from tests.discord_support import fake_interaction

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What is Honda's 2040 target?"


def cli_ingest(folder: Path, settings: Settings) -> None:
    """`citebot ingest` in another process, as a cron job would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "OPENAI_"))}
    env.update(PYTHONPATH=str(ROOT), CITEBOT_EMBED_THREADS="1")
    args = ["ingest", str(folder), "--store", str(settings.store)]
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli.main import main; main()", *args, "--collection",
         settings.collection, "--prune"],
        env=env, cwd=folder.parent, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture
def settings(seeds_copy: Path, tmp_path: Path, embedder: LocalEmbedder) -> Settings:
    settings = Settings(
        store=tmp_path / "store", collection="stale", feedback_db=tmp_path / "fb.sqlite3"
    )
    ingest(
        [seeds_copy],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
    )
    return settings


async def test_a_changed_source_edits_the_old_answer_once_and_citebot_stale_lists_it(
    settings: Settings, seeds_copy: Path
) -> None:
    assert settings.feedback_db is not None
    app = DiscordApp(build_citebot(settings), feedback=FeedbackStore(settings.feedback_db))
    interaction = fake_interaction()
    await app.slash.on_ask(interaction, QUESTION)
    [sent] = interaction.followup.send.sent
    assert app.stale is not None
    assert await app.stale.check() == 0  # nothing changed yet

    # The bot shows the message as Discord would return it.
    message = mock.MagicMock(spec=discord.Message, content=sent.content)
    message.embeds = sent.kwargs["embeds"]
    message.edit = mock.AsyncMock()
    channel = mock.MagicMock(spec=discord.TextChannel)
    channel.fetch_message = mock.AsyncMock(return_value=message)
    app.client.get_channel = mock.Mock(return_value=channel)  # type: ignore[method-assign]

    [article] = seeds_copy.glob("*.md")
    article.write_text(article.read_text() + "\nHonda later revised the plan.\n")
    cli_ingest(seeds_copy, settings)

    assert await app.stale.check() == 1
    channel.fetch_message.assert_awaited_once_with(sent.id)
    edit = message.edit.await_args.kwargs
    footer = edit["embeds"][-1].footer.text or ""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert footer.startswith("Quoted from the articles")
    assert "[1] Nissan and Honda" in footer and "has changed" in footer and today in footer
    assert edit["allowed_mentions"].to_dict() == {"parse": []}
    assert any(isinstance(item, AskAgainButton) for item in edit["view"].children)

    article.unlink()  # removed as well: the answer is not edited twice
    cli_ingest(seeds_copy, settings)
    assert await app.stale.check() == 0

    cli = typer.Typer()
    register(cli)
    result = CliRunner().invoke(
        cli, ["stale", "--json"], env={"CITEBOT_STORE": str(settings.store),
                                      "CITEBOT_COLLECTION": "stale",
                                      "CITEBOT_FEEDBACK_DB": str(settings.feedback_db)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)["stale"]
    assert item["question"] == QUESTION and item["flagged_at"]
    [change] = item["changed"]
    assert change.startswith("[1] Nissan and Honda") and change.endswith("removed from the index")


async def test_a_stale_read_on_answer_is_flagged_without_ask_again(
    settings: Settings, seeds_copy: Path
) -> None:
    assert settings.feedback_db is not None
    citebot = build_citebot(settings)
    feedback = FeedbackStore(settings.feedback_db)
    app = DiscordApp(citebot, feedback=feedback)
    answer = citebot.answerer.answer(QUESTION)
    more = dataclasses.replace(answer, question="tell me more", read_on=True)
    answer_id = feedback.record_answer(more, channel_id=5)
    feedback.attach_message(answer_id, 5, 99)
    message = mock.MagicMock(spec=discord.Message, content="x", embeds=[])
    message.edit = mock.AsyncMock()
    channel = mock.MagicMock(spec=discord.TextChannel)
    channel.fetch_message = mock.AsyncMock(return_value=message)
    app.client.get_channel = mock.Mock(return_value=channel)  # type: ignore[method-assign]
    assert app.stale is not None and await app.stale.check() == 0

    [article] = seeds_copy.glob("*.md")
    article.write_text(article.read_text() + "\nHonda later revised the plan.\n")
    cli_ingest(seeds_copy, settings)

    assert await app.stale.check() == 1
    view = message.edit.await_args.kwargs["view"]
    # asked again, "tell me more" would have no place to read on from
    assert not any(isinstance(item, AskAgainButton) for item in view.children)


async def test_ask_again_answers_the_recorded_question(settings: Settings) -> None:
    assert settings.feedback_db is not None
    store = FeedbackStore(settings.feedback_db)
    app = DiscordApp(build_citebot(settings), feedback=store)
    first = fake_interaction()
    answer = await app.slash.on_ask(first, QUESTION)
    assert answer is not None
    [row] = store.answers_since(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    again = fake_interaction()
    again.client = app.client

    await AskAgainButton(row["id"]).callback(again)

    [repeat] = again.followup.send.sent
    assert "2040" in (repeat.content or "")
