"""`citebot discord`: clear one-line errors for a missing or rejected token, an empty index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest
import typer
from typer.testing import CliRunner

from bot.cli.discord_cmd import register

FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token-not-real"


def citebot_cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Any:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(citebot_cli(), ["discord"])


def one_line_error(result: Any) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert FAKE_TOKEN not in result.output
    return lines[0]


@pytest.fixture
def seeded_env(seeded_store: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "CITEBOT_STORE": str(seeded_store),
        "CITEBOT_COLLECTION": "seeds",
        "CITEBOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }


def test_missing_token_says_what_to_set_and_where_to_get_it(
    monkeypatch: pytest.MonkeyPatch, seeded_env: dict[str, str]
) -> None:
    line = one_line_error(run(monkeypatch, seeded_env))

    assert "DISCORD_TOKEN is not set" in line
    assert "https://discord.com/developers/applications" in line


def test_rejected_token_is_one_line_without_traceback_or_token(
    monkeypatch: pytest.MonkeyPatch, seeded_env: dict[str, str]
) -> None:
    async def reject(self: Any, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", reject)

    line = one_line_error(run(monkeypatch, {**seeded_env, "DISCORD_TOKEN": FAKE_TOKEN}))

    assert "Discord rejected DISCORD_TOKEN" in line and "developer portal" in line


def test_missing_message_content_intent_explains_the_portal_switch(
    monkeypatch: pytest.MonkeyPatch, seeded_env: dict[str, str]
) -> None:
    async def login(self: Any, token: str) -> None:
        return None

    async def connect(self: Any, *, reconnect: bool = True) -> None:
        raise discord.PrivilegedIntentsRequired(None)

    monkeypatch.setattr(discord.Client, "login", login)
    monkeypatch.setattr(discord.Client, "connect", connect)

    line = one_line_error(run(monkeypatch, {**seeded_env, "DISCORD_TOKEN": FAKE_TOKEN}))

    assert "Message Content Intent" in line and "CITEBOT_FOLLOWUPS=false" in line


def test_refuses_to_start_on_an_empty_collection(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {"CITEBOT_STORE": str(tmp_path / "empty"), "DISCORD_TOKEN": FAKE_TOKEN}

    line = one_line_error(run(monkeypatch, env))

    assert "citebot ingest" in line


def test_unreachable_discord_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, seeded_env: dict[str, str]
) -> None:
    async def offline(self: Any, token: str) -> None:
        raise OSError("Name or service not known")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", offline)

    line = one_line_error(run(monkeypatch, {**seeded_env, "DISCORD_TOKEN": FAKE_TOKEN}))

    assert "cannot reach Discord (OSError)" in line
