"""Large synthetic indexes for retrieval latency: random unit vectors and corpus-like text.

Embedding 100k-1M chunks on this machine would take hours, so the vectors are random unit
vectors and the texts are random draws from the shared corpus's word stream (so BM25 sees a
realistic vocabulary and term-frequency distribution). They are written straight into Chroma
(chunks and document records, with the real schema) and the BM25 index is built as ingest
builds it. A marker file lets later runs reuse an index of the same size.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import numpy as np

from benchmarks.common import CORPUS, WORK, bench_settings
from bot.settings import Settings
from ingest.index.embeddings import DIMENSION, LOCAL_MODEL_ID
from ingest.index.models import DocRecord, DocumentMeta, chunk_id
from ingest.index.store import open_store

CHUNKS_PER_DOC = 10
WORDS_PER_CHUNK = 160
BATCH = 5000
FORMAT = 1


def word_stream() -> np.ndarray:
    """Every word of the shared corpus in order (or a generated vocabulary without it)."""
    words: list[str] = []
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.md")):
            words.extend(re.findall(r"[A-Za-z][A-Za-z'-]+|\d+", path.read_text(errors="ignore")))
    if not words:
        rng = np.random.default_rng(1)
        vocab = [f"w{i}" for i in range(30_000)]
        ranks = rng.zipf(1.2, 500_000) % len(vocab)
        words = [vocab[i] for i in ranks]
    return np.asarray(words, dtype=object)


def synthetic_settings(n_chunks: int) -> Settings:
    """Settings for the synthetic index of `n_chunks` chunks."""
    return bench_settings(store=WORK / f"synthetic-{n_chunks}", collection=f"synthetic-{n_chunks}")


def build_synthetic_index(n_chunks: int, *, seed: int = 0) -> Settings:
    """Create (or reuse) a Chroma + BM25 index of `n_chunks` synthetic chunks."""
    from ingest.index.snapshot import update_snapshot

    settings = synthetic_settings(n_chunks)
    marker = settings.store / "citebot-synthetic.json"
    if marker.is_file() and json.loads(marker.read_text()) == {"format": FORMAT, "n": n_chunks}:
        return settings
    shutil.rmtree(settings.store, ignore_errors=True)
    store = open_store(settings, model_id=LOCAL_MODEL_ID)
    rng = np.random.default_rng(seed)
    words = word_stream()
    for start in range(0, n_chunks, BATCH):
        size = min(BATCH, n_chunks - start)
        vectors = rng.standard_normal((size, DIMENSION), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        picks = rng.integers(0, len(words), size=(size, WORDS_PER_CHUNK))
        ids, texts, metas = [], [], []
        for row in range(size):
            n = start + row
            doc_id, index = f"synth-{n // CHUNKS_PER_DOC:07d}", n % CHUNKS_PER_DOC
            ids.append(chunk_id(doc_id, _digest(doc_id), index))
            texts.append(" ".join(words[picks[row]]))
            metas.append(
                {
                    **_meta(doc_id).to_chroma(),
                    "chunk_index": index,
                    "start": 0,
                    "end": len(texts[-1]),
                    "content_hash": _digest(doc_id),
                }
            )
        store.chunks.add(ids=ids, documents=texts, metadatas=metas, embeddings=vectors)
    n_docs = -(-n_chunks // CHUNKS_PER_DOC)
    for start in range(0, n_docs, BATCH):
        records = [
            DocRecord(
                _meta(f"synth-{d:07d}"),
                content_hash=_digest(f"synth-{d:07d}"),
                n_chunks=min(CHUNKS_PER_DOC, n_chunks - d * CHUNKS_PER_DOC),
            )
            for d in range(start, min(n_docs, start + BATCH))
        ]
        store.docs.add(
            ids=[r.doc_id for r in records],
            metadatas=[r.to_chroma() for r in records],
            embeddings=[[1.0]] * len(records),
        )
    store.bump_generation()
    update_snapshot(store, settings)
    marker.write_text(json.dumps({"format": FORMAT, "n": n_chunks}))
    return settings


def _meta(doc_id: str) -> DocumentMeta:
    return DocumentMeta(
        doc_id, title=f"Synthetic article {doc_id}", source="synthetic", published_date="2023-01-01"
    )


def _digest(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode()).hexdigest()
