"""`citebot sync` over a sources file with one source of each kind, and `sync --every`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import sync_cmd
from bot.cli.main import app
from ingest.index.errors import ConfigError
from ingest.sources.config import load_sources, parse_duration
from ingest.sources.sync import run_every
from tests.conftest import write_article
from tests.test_web_ingest import build_site
from tests.web_support import Site, serve

runner = CliRunner()
sync_cmd.register(app)  # `main()` registers it for the console script


@pytest.fixture
def site() -> Iterator[Site]:
    for running in serve():
        build_site(running)
        yield running


@pytest.fixture
def sources_file(site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("CITEBOT_FETCH_RATE", "0")
    monkeypatch.setenv("CITEBOT_FETCH_RETRIES", "0")
    write_article(
        tmp_path / "notes", "canal.md", "The canal lock gates were replaced in 2025.", title="Canal"
    )
    path = tmp_path / "citebot.toml"
    path.write_text(
        f"""
[[source]]
name = "notes"
path = "notes"

[[source]]
name = "harbour"
url = "{site.url("/news/harbour.html")}"

[[source]]
name = "feed"
url = "{site.url("/feed.xml")}"

[[source]]
name = "down"
url = "{site.url("/down.xml")}"

[[source]]
name = "sitemap"
url = "{site.url("/sitemap_index.xml")}"
include = ["*/news/*"]
exclude = ["*stadium*"]
every = "1h"

[[source]]
name = "report"
url = "{site.url("/files/report.pdf")}"

[[source]]
name = "memo"
url = "{site.url("/files/memo.docx")}"
""",
        encoding="utf-8",
    )
    return path


def test_sync_ingests_every_source_and_status_reports_each(sources_file: Path) -> None:
    result = runner.invoke(app, ["sync", "--sources", str(sources_file)])
    assert result.exit_code == 3, result.output  # the "down" source failed
    assert "down: failed: HTTP 404 Not Found" in result.stderr
    for line in ("notes: 1 added", "harbour: 1 added", "feed: 2 added", "sitemap: 1 added",
                 "report: 1 added", "memo: 1 added"):  # fmt: skip
        assert line in result.stdout
    asked = json.loads(
        runner.invoke(app, ["ask", "--json", "When were the canal lock gates replaced?"]).stdout
    )
    assert "2025" in asked["answer"]

    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    by_name = {s["name"]: s for s in status["sources"]}
    assert by_name["feed"]["documents"] == 2 and by_name["feed"]["last_success"]
    assert (
        by_name["down"]["last_error"] == "HTTP 404 Not Found"
        and not by_name["down"]["last_success"]
    )
    shown = runner.invoke(app, ["status"]).stdout
    assert "down: 0 documents, last success never; last error: HTTP 404 Not Found" in shown


def test_sync_every_keeps_running_through_a_failing_source(site: Site, sources_file: Path) -> None:
    result = runner.invoke(
        app, ["sync", "--sources", str(sources_file), "--every", "1s", "--rounds", "2"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.count("down: failed: HTTP 404 Not Found") == 2
    assert result.stdout.count("feed: ") == 2  # the feed was synced again after the failure
    assert "feed: 0 added, 0 updated, 2 unchanged" in result.stdout
    assert result.stdout.count("sitemap: ") == 1  # every = "1h": not due in the second round


def test_run_every_survives_a_round_that_raises() -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    waits: list[float] = []
    assert run_every(60, flaky, rounds=3, sleep=waits.append) == 3
    assert len(calls) == 3 and len(waits) == 2
    assert all(54 <= w <= 66 for w in waits)  # the interval with +/- 10% jitter


def test_sources_file_errors_say_what_to_fix(tmp_path: Path) -> None:
    bad = tmp_path / "citebot.toml"
    bad.write_text('[[source]]\nurl = "ftp://x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="url must start with http:// or https://"):
        load_sources(bad, max_pages=10)
    bad.write_text('[[source]]\npath = "a"\nevery = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a duration like 15m"):
        load_sources(bad, max_pages=10)
    missing = runner.invoke(app, ["sync", "--sources", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "no sources file" in missing.stderr
    assert parse_duration("1h30m") == 5400 and parse_duration("15m") == 900
