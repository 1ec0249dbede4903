"""Asking while an ingest rewrites the index, and two ingests at once.

Readers must never error and never see half a document: every passage they get belongs to the
committed version of its document, and two passages of one document come from the same version.
A second ingest of the same index refuses at once with a clear message.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli.main import EXIT_ERROR, app
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.errors import IngestLocked
from ingest.index.snapshot import snapshot_hook
from ingest.index.store import Store, ingest_lock, open_store
from ingest.pipeline import ingest
from tests.conftest import write_article

TOPICS = ["harbour", "glacier", "census", "orchard", "subway", "reactor", "museum", "tariff"]
N_DOCS = 48


def write_edition(folder: Path, edition: str) -> None:
    """N_DOCS articles of three chunks each; the title and every sentence name the edition."""
    for i in range(N_DOCS):
        topic = TOPICS[i % len(TOPICS)]
        sentences = [
            f"In the {edition} edition, report {i} says the {topic} plan moved to stage {j}."
            for j in range(1, 13)
        ]
        write_article(
            folder, f"r{i:02d}.md", " ".join(sentences), id=f"r{i:02d}", title=f"R{i} {edition}"
        )


def ingest_settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", collection="live", chunk_size=300, chunk_overlap=0)


def run_ingest(folder: Path, settings: Settings, embedder: Any, store: Store | None = None) -> None:
    ingest(
        [folder],
        settings=settings,
        embedder=embedder,
        store=store,
        after_write=snapshot_hook(settings),
    )


class Delayed:
    """A Chroma collection whose `method` waits first: widens the windows between the steps."""

    def __init__(self, inner: Any, method: str, pause: float):
        self._inner = inner
        self._method = method
        self._pause = pause

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            threading.Event().wait(self._pause)
            return attr(*args, **kwargs)

        return call


def slow_commit_store(settings: Settings, model_id: str) -> Store:
    """A store where new chunks sit uncommitted, then old chunks linger, for a while."""
    store = open_store(settings, model_id=model_id)
    store.docs = Delayed(store.docs, "upsert", 0.4)  # new chunks written, record not yet
    store.chunks = Delayed(store.chunks, "delete", 0.4)  # record switched, old chunks remain
    return store


def test_asking_during_an_ingest_never_errors_nor_shows_half_a_document(
    tmp_path: Path, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    settings = ingest_settings(tmp_path)
    write_edition(folder, "alpha")
    run_ingest(folder, settings, embedder)
    citebot = build_citebot(settings)
    write_edition(folder, "beta")

    errors: list[BaseException] = []

    def rewrite() -> None:
        try:
            store = slow_commit_store(settings, embedder.model_id)
            run_ingest(folder, settings, SlowEmbedder(embedder, pause=0.1), store)
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=rewrite)
    writer.start()
    answers = 0
    editions_seen: set[str] = set()
    while writer.is_alive() or answers < 5:
        topic = TOPICS[answers % len(TOPICS)]
        answer = citebot.answerer.answer(f"Which stage did the {topic} plan move to?")
        answers += 1
        by_doc: dict[str, set[str]] = {}
        for passage in answer.retrieved:
            edition = re.findall(r"(alpha|beta) edition", passage.text)
            assert edition, passage.text
            # The title comes from the commit record, the text from the chunk: a chunk of an
            # uncommitted (or replaced) version shows up as a mismatch.
            assert passage.title.endswith(edition[0]), (passage.title, passage.chunk_id)
            by_doc.setdefault(passage.doc_id, set()).update(edition)
        for doc_id, editions in by_doc.items():
            assert len(editions) == 1, f"{doc_id} mixed versions: {editions}"
            editions_seen |= editions
        assert_whole_documents(settings)
    writer.join(timeout=120)

    assert not errors, errors
    assert answers >= 10, "the ingest finished before the readers got going"
    assert editions_seen == {"alpha", "beta"}, "readers saw the change happen"
    final = citebot.answerer.answer("Which stage did the census plan move to?")
    assert final.retrieved and all("beta edition" in p.text for p in final.retrieved)


def test_reader_follows_an_ingest_run_by_another_process(
    tmp_path: Path, embedder: LocalEmbedder
) -> None:
    from bot.answer.retrieval import committed
    from tests.test_crash_safety import COLLECTION, completed

    folder = tmp_path / "articles"
    settings = Settings(
        store=tmp_path / "store", collection=COLLECTION, chunk_size=300, chunk_overlap=0
    )
    write_edition(folder, "alpha")
    run_ingest(folder, settings, embedder)
    citebot = build_citebot(settings)
    retriever = citebot.answerer.retriever
    assert citebot.answerer.answer("Which stage did the census plan move to?").retrieved

    write_edition(folder, "beta")
    write_article(
        folder, "new.md", "The lighthouse plan moved to stage 99 in the beta edition.", id="new"
    )
    completed(folder, settings.store)  # `citebot ingest` in another process
    answer = citebot.answerer.answer("Which stage did the lighthouse plan move to?")

    assert answer.retrieved[0].doc_id == "new"
    hits = retriever.search(retriever.embed_query("the lighthouse plan"), n=10)  # type: ignore[attr-defined]
    current = committed(retriever.snapshot(), hits)  # type: ignore[attr-defined]
    assert len(current) == len(hits), "vector search still serves the replaced versions"
    assert hits[0][0].startswith("new::")


def assert_whole_documents(settings: Settings) -> None:
    store = open_store(settings)
    present = set(store.all_chunk_ids())
    for record in store.records().values():
        assert set(record.chunk_ids) <= present, f"{record.doc_id} committed but incomplete"


class SlowEmbedder:
    """The real embedder, slowed so readers get many turns during the ingest."""

    def __init__(self, inner: LocalEmbedder, pause: float = 0.3):
        self.inner = inner
        self.model_id = inner.model_id
        self.pause = pause

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        threading.Event().wait(self.pause)
        return self.inner.embed(texts, progress)


class BlockingEmbedder:
    """Holds the first ingest inside embedding until released."""

    def __init__(self, inner: LocalEmbedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.started = threading.Event()
        self.release = threading.Event()

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.started.set()
        assert self.release.wait(60)
        return self.inner.embed(texts, progress)


def test_second_ingest_refuses_while_the_first_runs(
    tmp_path: Path, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    settings = ingest_settings(tmp_path)
    write_edition(folder, "alpha")
    blocking = BlockingEmbedder(embedder)
    first_error: list[BaseException] = []

    def first() -> None:
        try:
            run_ingest(folder, settings, blocking)
        except BaseException as exc:
            first_error.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert blocking.started.wait(60)
        with pytest.raises(IngestLocked, match=r"Another ingest .* is writing this index"):
            run_ingest(folder, settings, embedder)
    finally:
        blocking.release.set()
        thread.join(timeout=120)

    assert not first_error
    assert open_store(settings).count_documents() == N_DOCS


def test_cli_ingest_refuses_with_a_clear_message_and_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "a.md", "The glacier retreated 40 metres last summer.")
    settings = ingest_settings(tmp_path)

    with ingest_lock(settings):
        result = CliRunner().invoke(
            app, ["ingest", str(folder), "--store", str(settings.store), "--collection", "live"]
        )

    assert result.exit_code == EXIT_ERROR
    assert "Another ingest" in result.stderr and "Wait for it to finish" in result.stderr
    assert "Traceback" not in result.output


def test_embedders_loading_at_once_build_their_sessions_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """onnxruntime's session creation is not thread-safe: embedders of one process that
    preload together (each CLI command run in-process builds one) crashed it. Each builds its
    session in turn, and all of them then embed alike."""
    import onnxruntime as ort

    real = ort.InferenceSession
    building, most = 0, 0
    count = threading.Lock()

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal building, most
        with count:
            building += 1
            most = max(most, building)
        try:
            return real(*args, **kwargs)
        finally:
            with count:
                building -= 1

    monkeypatch.setattr(ort, "InferenceSession", counted)
    embedders = [LocalEmbedder(threads=1) for _ in range(4)]
    for embedder in embedders:
        embedder.preload()
    vectors = [embedder.embed(["Honda targets 2040."])[0] for embedder in embedders]

    assert most == 1
    assert all(np.allclose(v, vectors[0]) for v in vectors)
