"""Server mode: a real Chroma server (the installed chromadb) behind CHROMA_HOST/CHROMA_PORT."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.main import app, load_settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.errors import StoreError
from ingest.index.store import open_store
from ingest.pipeline import DOCS_PER_BATCH, ingest
from tests.chroma_support import ChromaServer, free_port
from tests.conftest import SEEDS, write_article

pytestmark = pytest.mark.server

QUESTION = "What is Honda's 2040 target?"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A running Chroma server with its data in tmp; always stopped afterwards."""
    server = ChromaServer(tmp_path / "chroma-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _use_server(monkeypatch: pytest.MonkeyPatch, server: ChromaServer, tmp_path: Path) -> None:
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(server.port))
    monkeypatch.setenv("CITEBOT_COLLECTION", "server-seeds")
    # Per-machine caches (the BM25 copy, the ingest lock) live under these, never in $HOME here.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ingest-machine-cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "ingest-machine-run"))


def test_ingest_and_ask_through_a_chroma_server(
    chroma_server: ChromaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, data = chroma_server.port, chroma_server.data
    _use_server(monkeypatch, chroma_server, tmp_path)
    runner = CliRunner()

    ingested = runner.invoke(app, ["ingest", str(SEEDS), "--json"])
    assert ingested.exit_code == 0, ingested.output
    summary = json.loads(ingested.stdout)
    assert summary["counts"]["added"] == 1 and summary["chunks_written"] > 0

    asked = runner.invoke(app, ["ask", QUESTION, "--json"])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert not answer["refused"]
    assert "2040" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "seed-nissan-honda-ev"

    # The data went to the server, not to an embedded store in the working directory.
    assert any(data.iterdir())
    assert not (tmp_path / ".citebot").exists()
    bm25 = tmp_path / "ingest-machine-cache" / "citebot"
    assert any(p.name.startswith(f"bm25-127.0.0.1-{port}-server-seeds") for p in bm25.iterdir())

    # Another bot process on another machine (empty caches) answers from the same server.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "bot-machine-cache"))
    citebot = build_citebot(load_settings())
    other = citebot.answerer.answer(QUESTION)
    assert other.citations and other.citations[0].doc_id == "seed-nissan-honda-ev"

    again = runner.invoke(app, ["ingest", str(SEEDS), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["counts"]["unchanged"] == 1
    assert json.loads(again.stdout)["chunks_written"] == 0


def test_unreachable_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(free_port()))

    result = CliRunner().invoke(app, ["ask", QUESTION])

    assert result.exit_code != 0
    assert "Chroma server at 127.0.0.1" in result.output
    assert "Traceback" not in result.output


class StopServerOnSecondBatch:
    """The real embedder; before embedding the second batch it waits for the first batch's
    documents to be committed on the server, then stops the server."""

    def __init__(self, inner: LocalEmbedder, server: ChromaServer, docs: Any, first: int):
        self.inner, self.server, self.docs, self.first = inner, server, docs, first
        self.model_id = inner.model_id
        self.calls = 0

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Any], progress: Any = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:  # what ingest calls: chunks and their sentences
        self.calls += 1
        if self.calls == 2:
            deadline = time.monotonic() + 30
            while self.docs.count() < self.first and time.monotonic() < deadline:
                time.sleep(0.05)
            self.server.stop()
        return self.inner.embed_spans(texts, spans, progress)

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        return self.inner.embed(texts, progress)


def test_server_lost_mid_ingest_keeps_committed_documents(
    chroma_server: ChromaServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    embedder: LocalEmbedder,
) -> None:
    _use_server(monkeypatch, chroma_server, tmp_path)
    corpus = tmp_path / "corpus"
    total = DOCS_PER_BATCH + 6
    for i in range(total):
        write_article(corpus, f"a{i:03d}.md", f"Article {i} reports that {i} boats sailed today.")
    settings = load_settings()
    store = open_store(settings, model_id=embedder.model_id)
    flaky = StopServerOnSecondBatch(embedder, chroma_server, store.docs, DOCS_PER_BATCH)

    with pytest.raises(StoreError) as failed:
        ingest([corpus], settings=settings, embedder=flaky, store=store)

    assert f"Chroma server 127.0.0.1:{chroma_server.port}" in str(failed.value)
    assert "run the same ingest again" in str(failed.value)
    chroma_server.start()  # same data folder and port
    resumed = CliRunner().invoke(app, ["ingest", str(corpus), "--json"])
    assert resumed.exit_code == 0, resumed.output
    summary = json.loads(resumed.stdout)
    assert summary["counts"]["unchanged"] == DOCS_PER_BATCH
    assert summary["counts"]["added"] == total - DOCS_PER_BATCH
    assert summary["documents_total"] == total
