"""`citebot chat`: questions in turns at the terminal, follow-ups from the conversation."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.chat_cmd import register
from bot.cli.main import app as citebot
from tests.conftest import SEEDS

runner = CliRunner()


@pytest.fixture
def chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    assert runner.invoke(citebot, ["ingest", str(SEEDS)]).exit_code == 0
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def test_chat_answers_follow_ups_from_the_conversation_until_exit(chat: typer.Typer) -> None:
    turns = ["Where will the new electric Micra be built?", "and who is nissan working with?"]
    said = "\n".join([*turns, "thanks!", "exit", "Never asked?"]) + "\n"

    result = runner.invoke(chat, ["chat"], input=said)

    assert result.exit_code == 0, result.output
    assert "Ask about the 1 indexed article;" in result.stdout
    assert "northern France [1]" in result.stdout
    # the follow-up, asked with the Micra conversation's topic
    assert "collaboration with Renault focusing on EVs" in result.stdout
    assert "You're welcome!" in result.stdout
    assert result.stdout.count("Sources") == 2  # nothing after "exit"


def test_chat_ends_cleanly_at_the_end_of_input(chat: typer.Typer) -> None:
    result = runner.invoke(chat, ["chat"], input="What is Honda's 2040 target?\n")

    assert result.exit_code == 0, result.output
    assert "2040 [1]" in result.stdout
