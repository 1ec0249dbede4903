"""The index snapshot: built once per generation, one Chroma call per question, cheap rebuilds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bot.answer.retrieval import HybridRetriever, Query
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import Snapshots, read_saved, snapshot_dir, snapshot_hook
from ingest.index.store import Store, open_store
from ingest.pipeline import IngestSummary, ingest
from tests.conftest import write_article

ARTICLES = {
    "zoo": "The zoo's new zebra foal, named Quillon, took her first steps on Monday morning. " * 4,
    "harbour": "The harbour authority approved a ferry terminal for Brackenport on Tuesday. " * 4,
    "kettle": "Kettles with serial code ZX-4471-Q may overheat and should be returned. " * 4,
}


class Counted:
    """A Chroma collection that counts its calls (and which fields each read asks for)."""

    def __init__(self, inner: Any, calls: Counter[str]):
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in {"get", "query", "count", "upsert", "delete"}:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{name}:{','.join(kwargs.get('include', []))}"] += 1
            return attr(*args, **kwargs)

        return call


def counted(store: Store) -> Counter[str]:
    calls: Counter[str] = Counter()
    store.chunks = Counted(store.chunks, calls)
    store.docs = Counted(store.docs, calls)
    return calls


def _ingest(
    folder: Path, settings: Settings, embedder: LocalEmbedder, store: Store | None = None
) -> IngestSummary:
    return ingest(
        [folder],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
        store=store,
    )


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    for doc_id, text in ARTICLES.items():
        write_article(folder, f"{doc_id}.md", text, id=doc_id, title=f"About the {doc_id}")
    return folder


def test_a_question_makes_one_chroma_call_the_vector_search(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _ingest(_corpus(tmp_path), settings, embedder)
    store = open_store(settings)
    retriever = HybridRetriever(store, embedder, snapshots=Snapshots(store, settings))
    retriever.retrieve(Query("Which product has serial code ZX-4471-Q?"), 3)  # loads the snapshot
    calls = counted(store)

    found = retriever.retrieve(Query("What is the zebra foal called?"), 3)

    assert found[0].doc_id == "zoo" and "Quillon" in found[0].text
    assert found[0].title == "About the zoo"
    assert dict(calls) == {"query:distances": 1}
    assert retriever.document_count() == 3 and dict(calls) == {"query:distances": 1}


def test_ingest_rebuilds_the_snapshot_without_reading_chunk_texts_back(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = _corpus(tmp_path)
    _ingest(folder, settings, embedder)
    write_article(
        folder, "zoo.md", "The zoo renamed the foal Marzipan. " * 4, id="zoo", title="Zoo"
    )
    store = open_store(settings, model_id=embedder.model_id)
    calls = counted(store)

    summary = _ingest(folder, settings, embedder, store)

    assert summary.updated == ["zoo"]
    # The one text read is the updated article's old chunks, with their vectors and sentence
    # vectors (to keep those of unchanged chunks); BM25 is rebuilt from the texts ingest holds.
    assert [c for c in calls if c.startswith("get:") and "documents" in c] == [
        "get:documents,embeddings,metadatas"
    ], calls
    saved = read_saved(snapshot_dir(settings))
    assert saved is not None and saved.document_count == 3
    texts = {cid.split("::")[0]: saved.corpus.get(cid) for cid in saved.chunk_ids}
    assert "Marzipan" in texts["zoo"][0] and "Brackenport" in texts["harbour"][0]
    assert saved.records["zoo"].title == "Zoo"
    assert {cid for cid, _ in saved.lexical.search("Marzipan", 5)} == {
        cid for cid in saved.chunk_ids if cid.startswith("zoo::")
    }


def test_a_reader_without_a_saved_snapshot_builds_one_from_chroma(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    ingest([_corpus(tmp_path)], settings=settings, embedder=embedder)  # no snapshot saved
    store = open_store(settings)

    snapshot = Snapshots(store, settings).current()

    assert snapshot.document_count == 3
    assert set(snapshot.chunk_ids) == {c for r in store.records().values() for c in r.chunk_ids}
    assert read_saved(snapshot_dir(settings)) is not None
