"""A real Chroma server that is down at start, or goes down and comes back mid-run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import discord.ext.test as dpytest
import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.main import EXIT_ERROR, app
from bot.discord_app.client import DiscordApp
from bot.discord_app.handler import INDEX_DOWN
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.errors import StoreUnavailable
from ingest.index.snapshot import snapshot_hook
from ingest.pipeline import ingest
from tests.chroma_support import ChromaServer, free_port
from tests.conftest import SEEDS
from tests.discord_support import connect_dpytest, patch_dpytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

QUESTION = "What is Honda's 2040 target?"


@pytest.fixture
def server_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A free port in CHROMA_HOST/CHROMA_PORT; caches and locks kept in the temp dir."""
    port = free_port()
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(port))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return port


@pytest.fixture
def server(tmp_path: Path, server_env: int, embedder: LocalEmbedder) -> Iterator[ChromaServer]:
    """A running server holding the seed articles."""
    chroma = ChromaServer(tmp_path / "chroma-data", server_env)
    chroma.start()
    try:
        settings = Settings(collection="seeds")
        ingest(
            [SEEDS],
            settings=settings,
            embedder=embedder,
            after_write=snapshot_hook(settings),
        )
        yield chroma
    finally:
        chroma.stop()


@pytest.mark.parametrize("command", [["ask", QUESTION], ["status"], ["ingest", str(SEEDS)]])
def test_server_down_at_start_gives_a_clear_error_and_exit_code(
    server_env: int, command: list[str]
) -> None:
    result = CliRunner().invoke(app, command)

    assert result.exit_code == EXIT_ERROR, result.output
    assert f"Cannot reach the Chroma server at 127.0.0.1:{server_env}" in result.stderr
    assert "chroma run" in result.stderr, "the message says what to do"
    assert "Traceback" not in result.output


def test_server_down_mid_run_then_back(server: ChromaServer) -> None:
    citebot = build_citebot(Settings(collection="seeds"))
    assert "2040" in citebot.answerer.answer(QUESTION).text

    server.stop()
    with pytest.raises(StoreUnavailable, match="try again in a moment"):
        citebot.answerer.answer(QUESTION)
    # Every read the bot makes (BM25 freshness, commit records, counts) says the same.
    for read in (citebot.store.generation, citebot.store.records, citebot.store.count_documents):
        with pytest.raises(StoreUnavailable, match=f"Chroma server at 127.0.0.1:{server.port}"):
            read()

    server.start()
    answer = citebot.answerer.answer(QUESTION)
    assert "2040" in answer.text and answer.citations


async def test_bot_apologises_while_the_server_is_down_and_recovers(
    server: ChromaServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(collection="seeds", feedback_db=tmp_path / "feedback.sqlite3")
    wire = patch_dpytest(monkeypatch)
    bot = DiscordApp(build_citebot(settings))
    await connect_dpytest(bot.client, members=2)
    me = bot.client.user
    assert me is not None

    await asyncio.to_thread(server.stop)
    down = await dpytest.message(f"<@{me.id}> {QUESTION}")
    await asyncio.to_thread(server.start)
    up = await dpytest.message(f"<@{me.id}> {QUESTION}")

    apology = [p for p in wire.sends if p["channel_id"] == down.id]
    assert [p["content"] for p in apology] == [INDEX_DOWN]
    answer = [p for p in wire.sends if p["channel_id"] == up.id]
    assert len(answer) == 1 and "2040" in answer[0]["content"]
    await dpytest.empty_queue()
