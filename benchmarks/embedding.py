"""Raw throughput of the local ONNX embedder on the shared corpus's chunks: the floor for ingest."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

import numpy as np

from benchmarks.common import CORPUS, Context, Result, bench_settings, require_corpus
from ingest.index.embeddings import LocalEmbedder

TITLE = "1. Embedding throughput (local ONNX MiniLM)"
SUBSET = 600
# The configuration before the speed work: one session on all cores, 8k-token batches.
PREVIOUS = {"workers": 1, "batch_tokens": 8192}


def corpus_chunk_texts() -> list[str]:
    """The texts ingest embeds for the shared corpus at the default chunking."""
    from ingest.chunking import chunk_document, content_hash, embedding_text
    from ingest.loaders import load_paths

    settings = bench_settings()
    loaded = load_paths([CORPUS], max_bytes=int(settings.max_file_mb * 1_000_000))
    return [
        embedding_text(doc, chunk)
        for doc in loaded.documents
        for chunk in chunk_document(
            doc, size=settings.chunk_size, overlap=settings.chunk_overlap, digest=content_hash(doc)
        )
    ]


@dataclass
class Timing:
    """Wall and CPU seconds of one embedding run."""

    wall: float
    cpu: float


def timed_embed(embedder: LocalEmbedder, texts: list[str]) -> tuple[Timing, np.ndarray]:
    """Time embedding `texts` (the model is loaded and warmed first); return the vectors too."""
    embedder.embed(texts[:40])  # loads the model and the parallel sessions
    cpu_before, started = os.times(), time.perf_counter()
    vectors = embedder.embed(texts)
    wall, cpu_after = time.perf_counter() - started, os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return Timing(wall, cpu), vectors


def run(ctx: Context) -> Result:
    """Compare the previous and current settings on a subset, then embed the whole corpus."""
    require_corpus()
    result = Result("embedding", TITLE)
    texts = corpus_chunk_texts()
    current = LocalEmbedder()
    tokens = sum(current.token_counts(texts))
    subset = random.Random(0).sample(texts, min(SUBSET, len(texts)))
    before, old = timed_embed(LocalEmbedder(**PREVIOUS), subset)  # type: ignore[arg-type]
    after, new = timed_embed(current, subset)
    n = len(subset)
    for label, timing in (
        ("before: 1 session x all cores, 8k-token batches", before),
        ("after: 1 session per core, 768-token length buckets", after),
    ):
        result.add(f"{label}: {n} chunks", n / timing.wall, "chunks/s")
        result.add(f"{label}: CPU per 100 chunks", timing.cpu / n * 100, "cpu-s")
    result.add("speed-up, wall (same chunks, back to back)", before.wall / after.wall, "x")
    result.add("speed-up, CPU time (robust to a busy machine)", before.cpu / after.cpu, "x")
    result.add("lowest cosine(before, after) over the subset", float((old * new).sum(axis=1).min()))
    full, _ = timed_embed(current, texts)
    seconds = full.wall
    ctx.embed_seconds = seconds
    ctx.embed_cpu_seconds = full.cpu
    result.add("corpus chunks", len(texts))
    result.add("corpus embedding time", seconds, "s")
    result.add("corpus embedding CPU time", full.cpu, "cpu-s")
    result.add("throughput", len(texts) / seconds, "chunks/s")
    result.add("throughput", tokens / seconds, "tokens/s")
    result.add("mean tokens per chunk", tokens / len(texts))
    result.notes.append(
        "Vectors are identical between the two configurations (same model, same truncation at "
        "256 tokens); only batching and threading differ."
    )
    return result
