"""`citebot discord --sync-every`: the background sync keeps the bot's index fresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.discord_cmd import register
from bot.discord_app.sync_task import SyncPlan, sync_forever, sync_round
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.pipeline import ingest
from ingest.sources.config import load_sources
from tests.conftest import write_article
from tests.web_support import Route, Site, serve


@pytest.fixture
def site() -> Iterator[Site]:
    for running in serve():
        running.html(
            "/news/ferry.html", "Night ferry", "The night ferry to the islands returns on 4 May."
        )
        running.routes["/down.html"] = Route(b"", status=503)
        yield running


def test_a_sync_round_makes_new_pages_answerable_and_survives_a_failing_source(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder
) -> None:
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("CITEBOT_FETCH_RETRIES", "0")
    settings = Settings(store=tmp_path / "store", collection="bot-sync")
    sources = tmp_path / "citebot.toml"
    sources.write_text(
        "".join(f'[[source]]\nurl = "{site.url(p)}"\n' for p in ("/down.html", "/news/ferry.html")),
        encoding="utf-8",
    )
    # The bot already answers from a small index; the sync adds the site's pages to it.
    write_article(tmp_path / "notes", "canal.md", "The canal lock gates were replaced in 2025.")
    ingest([tmp_path / "notes"], settings=settings, embedder=embedder)
    citebot = build_citebot(settings)
    plan = SyncPlan(load_sources(sources, max_pages=10), interval=900)
    outcomes = sync_round(citebot, plan)
    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].error == "HTTP 503 Service Unavailable"
    answer = citebot.answerer.answer("When does the night ferry to the islands return?")
    assert "4 May" in answer.text
    assert answer.citations[0].url == site.url("/news/ferry.html")


async def test_sync_forever_keeps_going_after_a_failed_round() -> None:
    calls: list[int] = []

    def run(citebot: Any, plan: SyncPlan) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store is busy")

    await sync_forever(Any, SyncPlan([], interval=0.001), run=run, rounds=3)  # type: ignore[arg-type]
    assert len(calls) == 3


def test_discord_sync_every_rejects_a_bad_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-used")
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    result = CliRunner().invoke(app, ["discord", "--sync-every", "often"])
    assert result.exit_code == 2
    assert "--sync-every: 'often' is not a duration like 15m, 1h or 1h30m." in result.stderr
    missing = CliRunner().invoke(app, ["discord", "--sync-every", "15m"])
    assert missing.exit_code == 2 and "no sources file citebot.toml" in missing.stderr
