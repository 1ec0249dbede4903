"""Fake keys go through ingest, ask and the bot; they never show up in logs, output or errors.

The fake endpoints echo the key back in their error bodies, as some proxies and servers do, so
any code path that quotes a reply or an exception verbatim would leak it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import httpx2
import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.main import app
from bot.discord_app.client import DiscordApp
from bot.settings import Settings
from ingest.index.errors import CitebotError
from tests.conftest import SEEDS, OpenAIWire
from tests.discord_support import connect_dpytest, patch_dpytest

OPENAI_KEY = "sk-test-SECRET-0penai-7f3a9c2d"
DISCORD_TOKEN = "MTIzNDU2Nzg5.SECRET-discord.Zx9Qw8"
CHROMA_TOKEN = "ck-SECRET-chroma-55aa"
SECRETS = (OPENAI_KEY, DISCORD_TOKEN, CHROMA_TOKEN, "SECRET")
QUESTION = "What is Honda's 2040 target?"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fake secrets in the environment, as a deployment would have them."""
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("CHROMA_AUTH_TOKEN", CHROMA_TOKEN)
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("CITEBOT_LLM_MAX_RETRIES", "1")
    return tmp_path


def echo_key(request: httpx2.Request) -> httpx2.Response:
    """An endpoint that rejects the key and quotes it back (and the whole header)."""
    header = request.headers.get("authorization", "")
    return httpx2.Response(
        401,
        json={
            "error": {
                "message": f"Incorrect API key provided: {header.removeprefix('Bearer ')}. "
                f"Header was {header!r}.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
    )


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked in: {text[:500]!r}"


def test_cli_ingest_and_ask_never_show_the_keys(
    secret_env: Path, caplog: pytest.LogCaptureFixture, unused_port: int
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    ingested = runner.invoke(app, ["-v", "ingest", str(SEEDS)])
    status = runner.invoke(app, ["status", "--json"])
    # The model endpoint is a closed local port: the LLM call fails, the answer falls back.
    asked = runner.invoke(
        app,
        ["-v", "ask", "--json", QUESTION],
        env={"OPENAI_BASE_URL": f"http://127.0.0.1:{unused_port}/v1"},
    )

    assert ingested.exit_code == 0, ingested.output
    assert asked.exit_code == 0, asked.output
    assert '"fallback": true' in asked.stdout
    assert_no_secret(
        ingested.output, status.output, asked.output, everything_logged(caplog), caplog.text
    )


def test_model_echoing_the_key_never_leaks_it(
    seeded_settings: Settings, openai_wire: OpenAIWire, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        store=seeded_settings.store,
        collection=seeded_settings.collection,
        openai_api_key=OPENAI_KEY,
        openai_base_url="http://llm.test/v1",
    )
    openai_wire.reply(echo_key, echo_key)
    citebot = build_citebot(settings, http_client=openai_wire.client())

    answer = citebot.answerer.answer(QUESTION)

    assert openai_wire.requests, "the key was sent to the endpoint (and only there)"
    assert answer.fallback
    assert_no_secret(
        answer.text, str(answer.to_dict()), everything_logged(caplog), repr(settings), str(settings)
    )


def test_openai_embeddings_error_never_leaks_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ingest.index.embeddings import build_embedder
    from ingest.pipeline import ingest

    caplog.set_level(logging.DEBUG)
    settings = Settings(
        store=tmp_path / "store",
        embeddings="openai",
        openai_api_key=OPENAI_KEY,
        openai_base_url="http://llm.test/v1",
    )
    client = httpx2.Client(transport=httpx2.MockTransport(echo_key))

    with pytest.raises(CitebotError) as raised:
        ingest([SEEDS], settings=settings, embedder=build_embedder(settings, http_client=client))

    assert_no_secret(str(raised.value), repr(raised.value), everything_logged(caplog))


def test_discord_bot_never_leaks_the_keys(
    seeded_settings: Settings,
    openai_wire: OpenAIWire,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        store=seeded_settings.store,
        collection=seeded_settings.collection,
        openai_api_key=OPENAI_KEY,
        openai_base_url="http://llm.test/v1",
        discord_token=DISCORD_TOKEN,
        feedback_db=tmp_path / "feedback.sqlite3",
        llm_max_retries=0,
    )
    openai_wire.reply(echo_key, echo_key)
    wire = patch_dpytest(monkeypatch)

    async def run() -> None:
        bot = DiscordApp(build_citebot(settings, http_async_client=openai_wire.async_client()))
        await connect_dpytest(bot.client, members=2)
        me = bot.client.user
        assert me is not None
        await dpytest.message(f"<@{me.id}> {QUESTION}")
        await dpytest.empty_queue()

    asyncio.run(run())

    assert openai_wire.requests
    assert wire.sends, "the bot answered"
    assert_no_secret(str(wire.payloads()), everything_logged(caplog), repr(settings), str(settings))


@pytest.mark.parametrize(
    "failure",
    [
        discord.LoginFailure("Improper token has been passed."),
        discord.HTTPException(
            type("Response", (), {"status": 500, "reason": "echo"})(),
            {"message": f"upstream said: Authorization: Bot {DISCORD_TOKEN}", "code": 0},
        ),
        OSError(f"proxy refused CONNECT with token={DISCORD_TOKEN}"),
    ],
    ids=["login failure", "http error echoing the token", "network error echoing it"],
)
def test_discord_start_failures_never_show_the_token(
    secret_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(SEEDS)]).exit_code == 0
    seen: list[str] = []

    def fail_to_connect(client: Any, token: str, **kwargs: Any) -> None:
        seen.append(token)
        raise failure

    monkeypatch.setattr(discord.Client, "run", fail_to_connect)
    from bot.cli import extra as cli_extra

    cli_extra.register(app)
    result = runner.invoke(app, ["discord"])

    assert seen == [DISCORD_TOKEN], "the real token reached discord.py"
    assert result.exit_code != 0
    assert "Error:" in result.stderr and "Traceback" not in result.output
    assert_no_secret(result.output, everything_logged(caplog))


def test_dotenv_is_git_ignored_and_the_readme_warns() -> None:
    from tests.conftest import ROOT

    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Keep `.env` out of version control" in readme


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
