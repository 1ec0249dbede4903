"""Incremental ingest against the real embedder and a real Chroma store in a temp dir."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.errors import ModelMismatch
from ingest.index.snapshot import load_snapshot, snapshot_hook
from ingest.index.store import open_store
from ingest.pipeline import ingest
from tests.conftest import write_article


class CountingEmbedder:
    """The real embedder, counting how many texts it was asked to embed."""

    def __init__(self, inner: LocalEmbedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.calls = 0

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        self.calls += len(texts)
        return self.inner.embed(texts, progress)


def _run(folder: Path, settings: Settings, embedder: Any, **kw: Any) -> Any:
    return ingest(
        [folder],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
        **kw,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    write_article(folder, "a.md", "Alpha article about solar panels. " * 40, id="a", title="Solar")
    write_article(folder, "b.md", "Beta article about wind farms. " * 40, id="b", title="Wind")
    write_article(folder, "c.md", "Gamma article about hydro dams. " * 40, id="c", title="Hydro")
    return folder


def test_unchanged_documents_are_not_re_embedded(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    counting = CountingEmbedder(embedder)
    first = _run(corpus, settings, counting)
    assert sorted(first.added) == ["a", "b", "c"]
    embedded = counting.calls
    assert embedded == first.chunks_written > 3

    second = _run(corpus, settings, counting)
    assert sorted(second.unchanged) == ["a", "b", "c"]
    assert not second.added and not second.updated and second.chunks_written == 0
    assert counting.calls == embedded


def test_changed_document_replaces_its_old_chunks(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _run(corpus, settings, embedder)
    store = open_store(settings)
    old_ids = store.records(["b"])["b"].chunk_ids

    write_article(
        corpus, "b.md", "Beta article rewritten about offshore wind. " * 10, id="b", title="Wind"
    )
    summary = _run(corpus, settings, embedder)

    assert summary.updated == ["b"] and sorted(summary.unchanged) == ["a", "c"]
    record = store.records(["b"])["b"]
    ids = set(store.all_chunk_ids())
    assert not ids & set(old_ids)
    assert set(record.chunk_ids) <= ids
    texts = store.chunks.get(ids=record.chunk_ids, include=["documents"])["documents"]
    assert all("offshore wind" in t for t in texts)
    assert sorted(load_snapshot(store, settings).chunk_ids) == sorted(ids)


def test_prune_removes_documents_whose_files_are_gone(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _run(corpus, settings, embedder)
    (corpus / "c.md").unlink()

    kept = _run(corpus, settings, embedder)
    assert kept.removed == []  # without --prune nothing is deleted
    assert open_store(settings).count_documents() == 3

    pruned = _run(corpus, settings, embedder, prune=True)
    store = open_store(settings)
    assert pruned.removed == ["c"]
    assert sorted(store.records()) == ["a", "b"]
    assert not any(cid.startswith("c::") for cid in store.all_chunk_ids())
    assert not any(cid.startswith("c::") for cid in load_snapshot(store, settings).chunk_ids)


def test_prune_keeps_documents_from_other_folders(
    tmp_path: Path, corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    other = tmp_path / "other"
    write_article(other, "d.md", "Delta article about geothermal heat. " * 20, id="d", title="Geo")
    _run(corpus, settings, embedder)
    _run(other, settings, embedder)
    summary = _run(corpus, settings, embedder, prune=True)
    assert summary.removed == []
    assert sorted(open_store(settings).records()) == ["a", "b", "c", "d"]


def test_dry_run_reports_without_writing(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    preview = _run(corpus, settings, embedder, dry_run=True)
    assert sorted(preview.added) == ["a", "b", "c"] and preview.dry_run
    assert not settings.store.exists()

    _run(corpus, settings, embedder)
    write_article(corpus, "a.md", "Alpha changed. " * 30, id="a", title="Solar")
    (corpus / "b.md").unlink()
    preview = _run(corpus, settings, embedder, dry_run=True, prune=True)
    assert preview.updated == ["a"] and preview.removed == ["b"]
    assert open_store(settings).records(["b"])  # still there


class OtherModel:
    model_id = "some-other-model"

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        rng = np.random.default_rng(0)
        vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_ingesting_with_another_model_is_refused(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _run(corpus, settings, embedder)
    write_article(corpus, "e.md", "Epsilon article. " * 20, id="e", title="E")
    with pytest.raises(ModelMismatch, match="all-MiniLM-L6-v2-onnx-int8"):
        _run(corpus, settings, OtherModel())
    assert "e" not in open_store(settings).records()


def test_chunk_metadata_keeps_document_fields_and_offsets(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    write_article(
        corpus,
        "f.md",
        "Foxtrot text. " * 100,
        id="f",
        title="F",
        url="https://x.test/f",
        published_date="2024-02-03",
    )
    _run(corpus, settings, embedder)
    store = open_store(settings)
    got = store.chunks.get(where={"doc_id": "f"}, include=["metadatas", "documents"])
    assert len(got["ids"]) >= 2
    for meta, text in zip(got["metadatas"], got["documents"], strict=True):
        assert meta["title"] == "F" and meta["url"] == "https://x.test/f"
        assert meta["published_date"] == "2024-02-03"
        assert meta["end"] - meta["start"] == len(text)
    assert store.model_id == "all-MiniLM-L6-v2-onnx-int8"


def test_prune_keeps_documents_under_a_folder_that_could_not_be_read(
    corpus: Path, settings: Settings, embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import pipeline
    from ingest.index.models import Skipped

    sub = corpus / "sub"
    write_article(sub, "g.md", "Golf article about putting greens. " * 20, id="g", title="Golf")
    _run(corpus, settings, embedder)

    real_load = pipeline.load_paths

    def sub_folder_unreadable(paths: list[Path], *, max_bytes: int) -> Any:
        result = real_load(paths, max_bytes=max_bytes)
        result.documents = [d for d in result.documents if d.doc_id != "g"]
        result.skipped.append(Skipped(str(sub), "cannot read folder: Permission denied"))
        return result

    monkeypatch.setattr(pipeline, "load_paths", sub_folder_unreadable)
    summary = _run(corpus, settings, embedder, prune=True)

    assert summary.removed == []
    assert "g" in open_store(settings).records()


def test_a_file_given_with_its_folder_is_ingested_once_without_a_warning(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    summary = ingest(
        [corpus / "a.md", corpus], settings=settings, embedder=embedder, after_write=None
    )
    assert sorted(summary.added) == ["a", "b", "c"]
    assert summary.skipped == []


def test_re_ingest_from_another_working_directory_is_unchanged_and_prunes(
    tmp_path: Path,
    corpus: Path,
    settings: Settings,
    embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _run(Path("articles"), settings, embedder)  # relative path, as typed at a prompt
    (corpus / "c.md").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    summary = _run(corpus, settings, embedder, prune=True)  # absolute path, another cwd
    assert summary.updated == [] and sorted(summary.unchanged) == ["a", "b"]
    assert summary.removed == ["c"]
    assert sorted(open_store(settings).records()) == ["a", "b"]


def test_prune_of_an_emptied_folder_removes_its_documents(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _run(corpus, settings, embedder)
    for path in corpus.glob("*.md"):
        path.unlink()

    summary = _run(corpus, settings, embedder, prune=True)

    assert sorted(summary.removed) == ["a", "b", "c"]
    assert open_store(settings).count_documents() == 0


@pytest.mark.filterwarnings("ignore:legacy embedding function config:DeprecationWarning")
def test_ingest_sets_a_wide_vector_search_also_on_an_index_made_before_it(
    corpus: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    """Chroma's default search (100 neighbours) missed some of the 50 nearest chunks, and
    which ones changed from one process to the next; ingest sets `EF_SEARCH`, also on an index
    made before it, without re-embedding anything."""
    from ingest.index.chroma import make_client
    from ingest.index.store import EF_SEARCH

    older = make_client(settings).create_collection(  # as earlier versions made it
        settings.collection,
        metadata={"embedding_model": embedder.model_id},
        configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )
    assert older.configuration_json["hnsw"]["ef_search"] == 100  # Chroma's default
    counting = CountingEmbedder(embedder)

    first = _run(corpus, settings, counting)
    again = _run(corpus, settings, counting)

    hnsw = open_store(settings).chunks.configuration_json["hnsw"]
    assert hnsw["ef_search"] == EF_SEARCH >= 100 and hnsw["space"] == "cosine"
    fresh = settings.model_copy(update={"collection": "fresh"})
    _run(corpus, fresh, counting)  # a new index searches wide from the start
    assert open_store(fresh).chunks.configuration_json["hnsw"]["ef_search"] == EF_SEARCH
    assert sorted(first.added) == ["a", "b", "c"] and sorted(again.unchanged) == ["a", "b", "c"]
    assert counting.calls == first.chunks_written * 2  # widening re-embedded nothing
