"""A real Chroma server that is down at start, or goes down and comes back mid-run."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import discord
import discord.ext.test as dpytest
import httpx
import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli import EXIT_ERROR, app
from bot.discord_app import DiscordApp
from bot.discord_handler import INDEX_DOWN
from bot.settings import Settings
from ingest.embeddings import LocalEmbedder
from ingest.errors import StoreUnavailable
from ingest.lexical import update_lexical_index
from ingest.pipeline import ingest
from tests.conftest import SEEDS
from tests.discord_support import patch_dpytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

CHROMA = Path(sys.executable).parent / "chroma"  # installed with chromadb in this venv
QUESTION = "What is Honda's 2040 target?"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """`chroma run` in a subprocess, stopped and started on the same data and port."""

    def __init__(self, path: Path, port: int):
        self.path = path
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [CHROMA, "run", "--path", self.path, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=0.5)
                return
            except httpx.HTTPError:
                assert self.process.poll() is None, "chroma run exited"
                time.sleep(0.1)
        raise TimeoutError("the Chroma server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None


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
            after_write=lambda st, _: update_lexical_index(st, settings),
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
    await bot.client._async_setup_hook()
    bot.client._connection._intents.members = True
    bot.client._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(
        bot.client._connection._intents
    )
    dpytest.configure(bot.client, members=2)
    bot.client._connection.loop = asyncio.get_running_loop()
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
