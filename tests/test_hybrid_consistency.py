"""The BM25 index stays consistent with Chroma through ingest, re-ingest, update and prune."""

from __future__ import annotations

from pathlib import Path

from bot.answer.retrieval import HybridRetriever, Query, RetrievalConfig
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import Snapshots, load_snapshot, read_saved, snapshot_dir, snapshot_hook
from ingest.index.store import Store, open_store
from ingest.pipeline import IngestSummary, ingest
from tests.conftest import write_article

ZEBRA = "The zoo's new zebra foal, named Quillon, took her first steps on Monday morning. " * 3
HARBOUR = "The harbour authority approved a new ferry terminal for Brackenport on Tuesday. " * 3


def _ingest(
    folder: Path, settings: Settings, embedder: LocalEmbedder, *, prune: bool = False
) -> IngestSummary:
    return ingest(
        [folder],
        settings=settings,
        embedder=embedder,
        prune=prune,
        after_write=snapshot_hook(settings),
    )


def _committed_ids(store: Store) -> set[str]:
    return {cid for record in store.records().values() for cid in record.chunk_ids}


def _assert_consistent(store: Store, settings: Settings) -> None:
    saved = read_saved(snapshot_dir(settings))
    assert saved is not None
    assert saved.generation == store.generation()
    assert set(saved.chunk_ids) == _committed_ids(store) == set(store.all_chunk_ids())


def _hits(store: Store, settings: Settings, text: str) -> set[str]:
    index = load_snapshot(store, settings)
    return {cid.split("::")[0] for cid, _ in index.lexical.search(text, 10)}


def test_ingest_update_and_prune_keep_bm25_in_step(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "zoo.md", ZEBRA, id="zoo", title="Zebra foal at the zoo")
    write_article(folder, "harbour.md", HARBOUR, id="harbour", title="Ferry terminal approved")

    _ingest(folder, settings, embedder)
    store = open_store(settings)
    _assert_consistent(store, settings)
    assert _hits(store, settings, "Quillon zebra") == {"zoo"}

    # re-ingest with nothing changed: nothing is rewritten, the index still matches
    generation = store.generation()
    summary = _ingest(folder, settings, embedder)
    assert sorted(summary.unchanged) == ["harbour", "zoo"]
    assert store.generation() == generation
    _assert_consistent(store, settings)

    # update: the old wording disappears from BM25, the new one is found
    write_article(
        folder,
        "zoo.md",
        "The zoo renamed the zebra foal Marzipan after a public vote. " * 3,
        id="zoo",
        title="Zebra foal renamed",
    )
    _ingest(folder, settings, embedder)
    _assert_consistent(store, settings)
    assert _hits(store, settings, "Marzipan") == {"zoo"}
    assert _hits(store, settings, "Quillon") == set()

    # prune: a deleted file's document leaves Chroma and BM25 together
    (folder / "harbour.md").unlink()
    summary = _ingest(folder, settings, embedder, prune=True)
    assert summary.removed == ["harbour"]
    _assert_consistent(store, settings)
    assert _hits(store, settings, "Brackenport ferry terminal") == set()


def test_reader_reloads_bm25_when_the_store_changes(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "zoo.md", ZEBRA, id="zoo", title="Zebra foal at the zoo")
    _ingest(folder, settings, embedder)
    store = open_store(settings)
    retriever = HybridRetriever(
        store,
        embedder,
        snapshots=Snapshots(store, settings),
        config=RetrievalConfig(mode="bm25"),
    )
    assert [p.doc_id for p in retriever.retrieve(Query("Brackenport ferry"), 3)] == []

    write_article(folder, "harbour.md", HARBOUR, id="harbour", title="Ferry terminal approved")
    _ingest(folder, settings, embedder)

    found = retriever.retrieve(Query("Brackenport ferry terminal"), 3)
    assert found and found[0].doc_id == "harbour"


def test_stale_saved_index_is_rebuilt_from_chroma(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "zoo.md", ZEBRA, id="zoo", title="Zebra foal at the zoo")
    # ingest without updating BM25 (as an interrupted run would leave it): no saved index
    ingest([folder], settings=settings, embedder=embedder)
    store = open_store(settings)
    assert read_saved(snapshot_dir(settings)) is None

    index = load_snapshot(store, settings)

    assert set(index.chunk_ids) == _committed_ids(store)
    assert index.generation == store.generation()
    assert read_saved(snapshot_dir(settings)) is not None  # and saved for the next reader


def test_a_recreated_collection_never_reuses_the_old_bm25_index(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_article(first, "zebra.md", ZEBRA, id="zebra", title="Zebra foal")
    write_article(second, "harbour.md", HARBOUR, id="harbour", title="Ferry terminal")
    _ingest(first, settings, embedder)
    store = open_store(settings)
    generation = store.generation()
    # The index is wiped (a new Chroma server, or the collections deleted) and rebuilt.
    store.client.delete_collection(settings.collection)
    store.client.delete_collection(f"{settings.collection}-docs")

    _ingest(second, settings, embedder)
    store = open_store(settings)
    assert store.generation() == generation  # the counter starts over: it cannot tell them apart

    _assert_consistent(store, settings)
    assert _hits(store, settings, "ferry terminal Brackenport") == {"harbour"}
