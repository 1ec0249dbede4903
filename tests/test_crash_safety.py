"""SIGKILL an ingest at several points; the next ingest leaves exactly what a clean one would.

Each run is the real `citebot ingest` in a subprocess (`tests/crash_driver.py` installs the kill
hook), bounded in time. Between the kill and the rerun, readers must still see whole documents;
after the rerun the index must equal a clean ingest of the same files: same document and chunk
ids and vectors, same counts in Chroma and in the BM25 index, no duplicates, no orphans, no
half-written BM25 folders left behind.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ingest.index.settings import IngestSettings
from ingest.index.snapshot import read_saved, snapshot_dir
from ingest.index.store import Store, open_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "crash"
N_DOCS = 240  # four embedding batches of 64 documents
RUN_TIMEOUT = 240  # seconds; a clean run takes a few
WORDS = [
    "river",
    "solar",
    "harbour",
    "council",
    "budget",
    "vaccine",
    "rocket",
    "election",
    "drought",
    "festival",
    "museum",
    "bridge",
    "tariff",
    "storm",
    "orchard",
    "reactor",
    "subway",
    "glacier",
    "census",
    "merger",
]


def write_corpus(folder: Path, ids: range, *, version: str = "v1") -> None:
    """Short Markdown articles (one to three 300-character chunks each)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in ids:
        rng = random.Random(f"{i}-{version}")
        sentences = [
            f"{rng.choice(WORDS).capitalize()} {' '.join(rng.choices(WORDS, k=9))} "
            f"number {rng.randint(1, 9999)}."
            for _ in range(3 + i % 5)
        ]
        (folder / f"doc{i:03d}.md").write_text(
            f'---\nid: doc-{i:03d}\ntitle: "Report {i} {version}"\n'
            f"url: https://example.com/{i}\n---\n\n{' '.join(sentences)}\n",
            encoding="utf-8",
        )


def run_ingest(
    kill_at: str, corpus: Path, store: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """One `citebot ingest` in a subprocess (from an empty folder, so no .env is read)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "OPENAI_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        CITEBOT_CHUNK_SIZE="300",
        CITEBOT_CHUNK_OVERLAP="0",
        CITEBOT_EMBED_THREADS="1",
    )
    workdir = store.parent / "cwd"
    workdir.mkdir(exist_ok=True)
    args = ["ingest", str(corpus), "--store", str(store), "--collection", COLLECTION, "--json"]
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", kill_at, *args, *extra],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def killed(kill_at: str, corpus: Path, store: Path, *extra: str) -> None:
    result = run_ingest(kill_at, corpus, store, *extra)
    assert result.returncode == -signal.SIGKILL, (
        f"the {kill_at!r} hook never fired (exit {result.returncode}): {result.stderr[-2000:]}"
    )


def completed(corpus: Path, store: Path, *extra: str) -> None:
    result = run_ingest("none", corpus, store, *extra)
    assert result.returncode == 0, result.stderr[-2000:]


@dataclass
class Snapshot:
    """Everything about an index that must match a clean ingest."""

    records: dict[str, tuple[str, int]]
    chunk_ids: list[str]
    chroma_count: int
    vectors: dict[str, np.ndarray]
    lexical_ids: list[str]
    lexical_current: bool
    leftovers: list[str]


def fresh_store(store_dir: Path) -> Store:
    """Open the store as a new reader would.

    Chroma caches an embedded store per path and process, and that cache does not see vectors
    another process wrote later, so every look at a store the subprocesses changed starts clean.
    """
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return open_store(IngestSettings(store=store_dir, collection=COLLECTION))


def snapshot(store_dir: Path) -> Snapshot:
    settings = IngestSettings(store=store_dir, collection=COLLECTION)
    store = fresh_store(store_dir)
    records = store.records()
    got = store.chunks.get(include=["embeddings"])
    lexical = read_saved(snapshot_dir(settings))
    bm25 = snapshot_dir(settings).name
    return Snapshot(
        records={d: (r.content_hash, r.n_chunks) for d, r in records.items()},
        chunk_ids=sorted(got["ids"]),
        chroma_count=store.count_chunks(),
        vectors={cid: np.asarray(v) for cid, v in zip(got["ids"], got["embeddings"], strict=True)},
        lexical_ids=lexical.chunk_ids if lexical else [],
        lexical_current=lexical is not None and lexical.generation == store.generation(),
        leftovers=sorted(p.name for p in store_dir.iterdir() if p.name.startswith(bm25 + ".")),
    )


def assert_readers_see_whole_documents(store_dir: Path) -> None:
    """Right after a kill: every committed document has all of its chunks."""
    store = fresh_store(store_dir)
    present = set(store.all_chunk_ids())
    for record in store.records().values():
        assert set(record.chunk_ids) <= present, f"{record.doc_id} is committed but incomplete"


def assert_same_index(got: Snapshot, want: Snapshot) -> None:
    assert got.records == want.records, "documents differ from a clean ingest"
    assert got.chunk_ids == want.chunk_ids, "chunk ids differ (orphans or missing chunks)"
    assert got.chroma_count == want.chroma_count == len(want.chunk_ids)
    assert sum(n for _, n in got.records.values()) == got.chroma_count, "orphan chunks remain"
    assert got.lexical_ids == want.lexical_ids == want.chunk_ids, "BM25 index differs"
    assert len(set(got.lexical_ids)) == len(got.lexical_ids), "duplicates in the BM25 index"
    assert got.lexical_current, "the BM25 index is not for the store's current generation"
    assert got.leftovers == [], "half-written BM25 folders were left behind"
    for cid in want.chunk_ids:
        np.testing.assert_allclose(got.vectors[cid], want.vectors[cid], atol=1e-4)


def assert_vector_search_finds_every_sampled_chunk(store_dir: Path) -> None:
    store = fresh_store(store_dir)
    got = store.chunks.get(include=["embeddings"])
    sample = random.Random(0).sample(range(len(got["ids"])), 25)
    hits = store.chunks.query(
        query_embeddings=[list(got["embeddings"][i]) for i in sample], n_results=1, include=[]
    )
    assert [h[0] for h in hits["ids"]] == [got["ids"][i] for i in sample]


@pytest.fixture(scope="module")
def fresh_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    """240 articles and a clean ingest of them."""
    base = tmp_path_factory.mktemp("crash-fresh")
    corpus = base / "corpus"
    write_corpus(corpus, range(N_DOCS))
    completed(corpus, base / "clean")
    reference = snapshot(base / "clean")
    assert len(reference.records) == N_DOCS
    return corpus, reference


@pytest.mark.parametrize("kill_at", ["embed", "write", "commit", "bm25"])
def test_killed_first_ingest_then_rerun_equals_clean_ingest(
    kill_at: str, fresh_corpus: tuple[Path, Snapshot], tmp_path: Path
) -> None:
    corpus, reference = fresh_corpus
    store = tmp_path / "store"

    killed(kill_at, corpus, store)
    assert_readers_see_whole_documents(store)
    completed(corpus, store)

    assert_same_index(snapshot(store), reference)
    assert_vector_search_finds_every_sampled_chunk(store)


def test_killed_updates_then_rerun_equal_clean_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    store = tmp_path / "store"
    write_corpus(corpus, range(N_DOCS))
    completed(corpus, store)

    # v2: 100 articles rewritten, 20 deleted, 20 new; killed after some new versions are
    # committed but before their old chunks are deleted.
    write_corpus(corpus, range(0, 100), version="v2")
    for i in range(200, 220):
        (corpus / f"doc{i:03d}.md").unlink()
    write_corpus(corpus, range(N_DOCS, N_DOCS + 20))
    killed("cleanup", corpus, store, "--prune")
    assert_readers_see_whole_documents(store)
    completed(corpus, store, "--prune")
    completed(corpus, tmp_path / "clean-v2")
    assert_same_index(snapshot(store), snapshot(tmp_path / "clean-v2"))

    # v3: rewritten again; killed while the new BM25 index is being swapped in.
    write_corpus(corpus, range(50, 150), version="v3")
    killed("bm25-swap", corpus, store, "--prune")
    assert_readers_see_whole_documents(store)
    completed(corpus, store, "--prune")
    shutil.rmtree(tmp_path / "clean-v2")
    completed(corpus, tmp_path / "clean-v3")
    assert_same_index(snapshot(store), snapshot(tmp_path / "clean-v3"))
    assert_vector_search_finds_every_sampled_chunk(store)
