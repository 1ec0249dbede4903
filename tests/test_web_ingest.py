"""`citebot ingest URL FEED SITEMAP file.pdf file.docx` against a web site on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.store import open_store
from ingest.pipeline import ingest
from ingest.sources.load import validators_path
from tests.web_support import (
    Route,
    Site,
    atom,
    make_docx,
    make_pdf,
    rss,
    serve,
    sitemap,
    sitemap_index,
)

runner = CliRunner()

HARBOUR = (
    "The harbour authority approved the northern quay extension on Monday.\n\n"
    "The extension is budgeted at 48 million euros and adds three ferry berths."
)
LIBRARY = (
    "<p>The city library will open a seventh branch in Oakridge next spring.</p>"
    "<p>The new branch has a makerspace and a children's reading room, and it stays open "
    "until ten at night on weekdays, the longest hours of any library in the region. "
    "Librarians said the branch was chosen by a vote of residents held over the summer.</p>"
)
TRAM = "The new tram line to the airport carries 21,000 passengers a day."
BRIDGE = "Repairs to the old stone bridge will close it to cars for nine weeks."
MUSEUM = "The maritime museum recorded 312,000 visitors, its best year since it opened."
STADIUM = "The stadium roof is made of 4,000 recycled aluminium panels."
PDF_PAGES = [
    "Annual transport report. Introduction and overview of the year.",
    "Bus ridership rose slightly across all districts.",
    "The ferry service carried 1.9 million passengers, a record for the operator.",
]
DOCX_TEXT = ["Council memo.", "The council will plant 2,500 street trees along the ring road."]


def build_site(site: Site) -> None:
    """The example site: an article, an RSS and an Atom feed, a sitemap index, a PDF, a DOCX."""
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.html("/news/harbour.html", "Harbour quay extension approved", HARBOUR, date="2026-11-02")
    site.html("/news/tram.html", "Airport tram", TRAM, date="2026-11-20")
    site.html("/news/bridge.html", "Bridge repairs", BRIDGE)
    site.html("/news/museum.html", "Museum record", MUSEUM)
    site.html("/news/stadium.html", "Stadium roof", STADIUM)
    site.routes["/feed.xml"] = Route(
        rss(
            [
                (
                    "Library branch",
                    site.url("/news/library.html"),
                    "Mon, 23 Nov 2026 08:00:00 GMT",
                    LIBRARY,
                ),
                ("Airport tram", site.url("/news/tram.html"), "Fri, 20 Nov 2026 08:00:00 GMT", ""),
            ]
        ),
        "application/rss+xml",
    )
    site.routes["/atom.xml"] = Route(
        atom([("Bridge repairs", site.url("/news/bridge.html"), "2026-11-25T09:00:00Z")]),
        "application/atom+xml",
    )
    site.routes["/sitemap_index.xml"] = Route(
        sitemap_index([site.url("/sitemap-news.xml")]), "application/xml"
    )
    site.routes["/sitemap-news.xml"] = Route(
        sitemap(
            [
                (site.url("/news/museum.html"), "2026-11-10"),
                (site.url("/news/stadium.html"), "2026-11-11"),
            ]
        ),
        "application/xml",
    )
    site.routes["/files/report.pdf"] = Route(
        make_pdf(PDF_PAGES, title="Transport report"), "application/pdf"
    )
    site.routes["/files/memo.docx"] = Route(
        make_docx(DOCX_TEXT, title="Council memo"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@pytest.fixture
def site() -> Iterator[Site]:
    for running in serve():
        build_site(running)
        yield running


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "store"
    monkeypatch.setenv("CITEBOT_STORE", str(store))
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")  # the test site is on 127.0.0.1
    monkeypatch.setenv("CITEBOT_FETCH_RATE", "0")
    return store


def sources(site: Site) -> list[str]:
    return [
        site.url("/news/harbour.html"),
        site.url("/feed.xml"),
        site.url("/atom.xml"),
        site.url("/sitemap_index.xml"),
        site.url("/files/report.pdf"),
        site.url("/files/memo.docx"),
    ]


def ingest_json(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["ingest", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def ask(question: str) -> dict[str, object]:
    result = runner.invoke(app, ["ask", "--json", question])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_every_kind_of_web_source_is_answered_with_its_url(site: Site, web_env: Path) -> None:
    code, summary = ingest_json(*sources(site))
    assert code == 0, summary
    assert summary["counts"]["added"] == 8 and not summary["skipped"]  # type: ignore[index]

    cases = [
        (
            "How much is the northern quay extension budgeted at?",
            "/news/harbour.html",
            "48 million",
        ),
        ("Where will the library open a seventh branch?", "/news/library.html", "Oakridge"),
        ("How many passengers a day does the airport tram carry?", "/news/tram.html", "21,000"),
        ("How long will the stone bridge be closed to cars?", "/news/bridge.html", "nine weeks"),
        ("How many visitors did the maritime museum record?", "/news/museum.html", "312,000"),
        ("How many passengers did the ferry service carry?", "/files/report.pdf", "1.9 million"),
        ("How many street trees will the council plant?", "/files/memo.docx", "2,500"),
    ]
    for question, path, fact in cases:
        answer = ask(question)
        assert fact in str(answer["answer"]), (question, answer["answer"])
        first = answer["citations"][0]  # type: ignore[index]
        assert first["url"] == site.url(path), (question, first)
    report = ask("How many passengers did the ferry service carry?")["citations"][0]  # type: ignore[index]
    assert report["page"] == 3
    tram = ask("How many passengers a day does the airport tram carry?")["citations"][0]  # type: ignore[index]
    assert tram["published_date"] == "2026-11-20"

    shown = runner.invoke(app, ["ask", "How many passengers did the ferry service carry?"])
    assert site.url("/files/report.pdf") in shown.stdout and "p. 3" in shown.stdout


def test_second_run_revalidates_gets_304s_and_embeds_nothing(site: Site, web_env: Path) -> None:
    assert ingest_json(*sources(site))[0] == 0
    site.clear()
    code, again = ingest_json(*sources(site))
    assert code == 0
    assert again["counts"]["unchanged"] == 8 and again["counts"]["added"] == 0  # type: ignore[index]
    assert again["chunks_written"] == 0
    for path in ("/news/harbour.html", "/feed.xml", "/news/tram.html", "/files/report.pdf"):
        (hit,) = site.requests_to(path)
        assert hit.status == 304 and "If-None-Match" in hit.headers
        assert hit.headers["User-Agent"].startswith("citebot/")
    # The sitemap's <lastmod> is unchanged, so its pages are not even requested.
    assert not site.requests_to("/news/museum.html")


def test_a_changed_feed_entry_is_reembedded_alone(site: Site, web_env: Path) -> None:
    assert ingest_json(site.url("/feed.xml"))[0] == 0
    changed = LIBRARY.replace("seventh branch in Oakridge", "seventh branch in Millbrook")
    site.routes["/feed.xml"] = Route(
        rss(
            [
                (
                    "Library branch",
                    site.url("/news/library.html"),
                    "Mon, 23 Nov 2026 08:00:00 GMT",
                    changed,
                ),
                ("Airport tram", site.url("/news/tram.html"), "Fri, 20 Nov 2026 08:00:00 GMT", ""),
            ]
        ),
        "application/rss+xml",
    )
    code, again = ingest_json(site.url("/feed.xml"))
    assert code == 0
    assert again["updated"] == [site.url("/news/library.html")]
    assert again["unchanged"] == [site.url("/news/tram.html")]
    assert "Millbrook" in str(ask("Where will the library open a seventh branch?")["answer"])


def test_local_pdf_and_docx_files_are_ingested_with_pages(tmp_path: Path, web_env: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(make_pdf(PDF_PAGES, title="Transport report"))
    (folder / "memo.docx").write_bytes(make_docx(DOCX_TEXT, title="Council memo"))
    code, summary = ingest_json(str(folder / "report.pdf"), str(folder / "memo.docx"))
    assert code == 0 and summary["counts"]["added"] == 2  # type: ignore[index]
    citation = ask("How many passengers did the ferry service carry?")["citations"][0]  # type: ignore[index]
    assert citation["title"] == "Transport report" and citation["page"] == 3
    assert "2,500" in str(ask("How many street trees will the council plant?")["answer"])
    shown = runner.invoke(app, ["ask", "How many passengers did the ferry service carry?"])
    assert "p. 3)" in shown.stdout and "docs/report.pdf" in shown.stdout


def test_prune_removes_entries_gone_from_a_feed_but_keeps_failed_ones(
    site: Site, web_env: Path
) -> None:
    assert ingest_json(site.url("/feed.xml"), site.url("/atom.xml"))[0] == 0
    site.routes["/feed.xml"] = Route(
        rss([("Airport tram", site.url("/news/tram.html"), "Fri, 20 Nov 2026 08:00:00 GMT", "")]),
        "application/rss+xml",
    )
    site.routes["/atom.xml"] = Route(b"down", "text/plain", 404)
    code, pruned = ingest_json("--prune", site.url("/feed.xml"), site.url("/atom.xml"))
    assert code == 3  # the Atom feed was skipped
    assert pruned["removed"] == [site.url("/news/library.html")]  # the bridge story is kept
    assert pruned["documents_total"] == 2


class InterruptedEmbedder:
    """The real embedder, interrupted (Ctrl+C) on its second call."""

    def __init__(self, real: LocalEmbedder) -> None:
        self.real = real
        self.model_id = real.model_id
        self.calls = 0

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Any], progress: Any = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:  # what ingest calls: chunks and their sentences
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return self.real.embed_spans(texts, spans, progress)

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        return self.real.embed(texts, progress)


def test_an_interrupted_web_ingest_keeps_what_it_committed_and_a_rerun_finishes(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder
) -> None:
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("CITEBOT_FETCH_RATE", "4")  # pages arrive one by one: several batches
    settings = Settings(store=tmp_path / "store", collection="web-interrupt")
    urls = [site.url(p) for p in ("/news/harbour.html", "/news/tram.html", "/news/bridge.html")]
    with pytest.raises(KeyboardInterrupt):
        ingest(urls, settings=settings, embedder=InterruptedEmbedder(embedder))  # type: ignore[arg-type]
    kept = set(open_store(settings).records())
    assert kept and kept <= set(urls)  # the first batch committed whole
    assert not validators_path(settings).exists()  # no validators vouch for unwritten pages

    again = ingest(urls, settings=settings, embedder=embedder)
    assert set(again.added) == set(urls) - kept and set(again.unchanged) == kept
    assert again.documents_total == 3


def test_a_dry_run_fetches_but_writes_nothing(site: Site, web_env: Path) -> None:
    result = runner.invoke(app, ["ingest", "--dry-run", site.url("/feed.xml")])
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written. Would change: 2 added" in result.stdout
    assert f"would add {site.url('/news/tram.html')}" in result.stdout
    assert not web_env.exists()  # no store, no fetch cache
