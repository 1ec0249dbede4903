"""👍/👎 votes: stored with the answer, one per user (changeable), exported as JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import discord
import pytest
import typer
from typer.testing import CliRunner

from bot.answer.models import Answer, Citation
from bot.cli.discord_cmd import register
from bot.discord_app.buttons import FeedbackButton, feedback_view
from bot.discord_app.ratelimit import RateLimiter
from bot.feedback import FeedbackStore


def seed_answer() -> Answer:
    return Answer(
        question="What is Honda's 2040 target?",
        text="Honda targets 100 percent electric sales by 2040 [1].",
        refused=False,
        mode="extractive",
        citations=[
            Citation(1, "seed", "seed::abcd::00000", "Honda", "", "", "Honda targets 2040.")
        ],
        as_of="2024-03-20",
    )


def test_one_vote_per_user_per_answer_and_it_can_change(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer_id = store.record_answer(seed_answer())

    assert store.vote(answer_id, 804417230153596938, "up") is None
    assert store.vote(answer_id, 804417230153596938, "down") == "up"
    assert store.vote(answer_id, 222, "up") is None

    votes = {v["user_hash"]: v["vote"] for v in store.votes()}
    assert sorted(votes.values()) == ["down", "up"]
    assert "804417230153596938" not in json.dumps(store.votes())  # the raw user id is never stored


def test_export_writes_question_answer_chunks_mode_time_and_hashed_user(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.vote(store.record_answer(seed_answer()), 111, "up")

    out = tmp_path / "out.jsonl"
    assert store.export_jsonl(out) == 1

    [row] = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["question"] == "What is Honda's 2040 target?"
    assert row["answer"].endswith("[1].")
    assert row["chunk_ids"] == ["seed::abcd::00000"]
    assert row["mode"] == "extractive" and row["vote"] == "up"
    assert len(row["user_hash"]) == 64 and row["voted_at"] and row["created_at"]


def citebot_cli() -> typer.Typer:
    """A fresh `citebot`-like app with the Discord commands registered."""
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def test_cli_exports_feedback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FeedbackStore(tmp_path / "store" / "feedback.sqlite3")
    store.vote(store.record_answer(seed_answer()), 7, "down")
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))

    result = CliRunner().invoke(
        citebot_cli(), ["feedback", "--export", str(tmp_path / "votes.jsonl")]
    )

    assert result.exit_code == 0, result.output
    assert "Wrote 1 votes" in result.output
    assert json.loads((tmp_path / "votes.jsonl").read_text())["vote"] == "down"


async def test_clicking_a_button_stores_the_vote_and_thanks_privately(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    answer_id = store.record_answer(seed_answer())
    view = feedback_view(answer_id)
    up, down = view.children
    assert isinstance(up, FeedbackButton) and isinstance(down, FeedbackButton)
    assert view.timeout is None and view.is_persistent()

    interaction = mock.MagicMock(spec_set=discord.Interaction)
    interaction.client = mock.Mock(feedback=store)
    interaction.user = mock.Mock(id=99)
    interaction.response = mock.MagicMock(spec_set=discord.InteractionResponse)
    interaction.response.send_message = mock.AsyncMock()
    match = FeedbackButton.__discord_ui_compiled_template__.match(down.custom_id)
    assert match is not None
    rebuilt = await FeedbackButton.from_custom_id(interaction, down.item, match)  # after a restart
    await rebuilt.callback(interaction)

    assert [v["vote"] for v in store.votes()] == ["down"]
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_token_bucket_allows_a_burst_then_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(5, clock=lambda: now[0])

    assert [limiter.acquire(1) for _ in range(5)] == [0.0] * 5
    assert limiter.acquire(1) == 12.0  # one token every 12 s
    assert limiter.acquire(2) == 0.0  # other users are unaffected
    now[0] = 12.0
    assert limiter.acquire(1) == 0.0
    assert limiter.acquire(1) > 0


def test_rate_limiter_forgets_idle_users_to_stay_small() -> None:
    now = [0.0]
    limiter = RateLimiter(5, clock=lambda: now[0], max_keys=100)
    for user in range(100):
        limiter.acquire(user)
    now[0] = 120.0
    for user in range(100, 150):
        limiter.acquire(user)

    assert len(limiter) <= 100


def test_feedback_file_defaults_to_beside_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.feedback import feedback_path
    from bot.settings import Settings

    monkeypatch.setenv("CITEBOT_FEEDBACK_DB", "")  # as left blank in .env.example
    assert feedback_path(Settings(store=tmp_path / "s")) == tmp_path / "s" / "feedback.sqlite3"
    monkeypatch.setenv("CITEBOT_FEEDBACK_DB", str(tmp_path / "votes.db"))
    assert feedback_path(Settings(store=tmp_path / "s")) == tmp_path / "votes.db"


def test_cli_export_to_a_missing_folder_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FeedbackStore(tmp_path / "store" / "feedback.sqlite3")
    store.vote(store.record_answer(seed_answer()), 7, "up")
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))

    result = CliRunner().invoke(
        citebot_cli(), ["feedback", "--export", str(tmp_path / "nope" / "votes.jsonl")]
    )

    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Error: cannot write" in result.output and "Traceback" not in result.output
