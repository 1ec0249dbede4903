"""Retrieval latency (what the bot runs per question) at corpus size, 100k and 1M chunks."""

from __future__ import annotations

import time

from benchmarks.common import (
    Context,
    Result,
    bench_settings,
    dev_questions,
    ensure_corpus_store,
    percentiles,
)
from bot.settings import Settings

TITLE = "3. Retrieval latency per question"
WARMUP = 5
TARGETS_MS = {100_000: 50.0, 1_000_000: 200.0}


def measure(settings: Settings, questions: list[tuple[str, str]]) -> tuple[dict[str, float], str]:
    """Latency percentiles (ms) of the bot's own retrieval step, and the retriever's name."""
    from bot.app import build_citebot

    citebot = build_citebot(settings)
    answerer = citebot.answerer
    for question, as_of in questions[:WARMUP]:
        answerer.retrieve(question, as_of)
    samples = []
    for question, as_of in questions:
        started = time.perf_counter()
        answerer.retrieve(question, as_of)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples), type(answerer.retriever).__name__


def run(ctx: Context) -> Result:
    """Time 100 dev questions against each index size."""
    from benchmarks.synthetic import build_synthetic_index

    questions = dev_questions()
    result = Result("retrieval", TITLE)
    ensure_corpus_store(ctx)
    stats, retriever = measure(bench_settings(), questions)
    sizes: list[tuple[str, Settings, float | None]] = [("shared corpus", bench_settings(), None)]
    for n in (100_000, 1_000_000) if ctx.million else (100_000,):
        started = time.perf_counter()
        settings = build_synthetic_index(n)
        result.notes.append(
            f"{n:,}-chunk synthetic index ready in {time.perf_counter() - started:.0f} s"
        )
        sizes.append((f"{n // 1000}k synthetic", settings, TARGETS_MS[n]))
    for label, settings, target in sizes:
        stats, retriever = (
            measure(settings, questions) if label != "shared corpus" else (stats, retriever)
        )
        for name in ("p50", "p95", "p99"):
            at_most = target if name == "p95" else None
            result.add(f"{label}: {name}", stats[name], "ms", at_most=at_most)
    if not ctx.million:
        result.notes.append("1M chunks: run with --million (builds a 1M-chunk index, slow).")
    result.notes.append(
        f"Measured: Answerer.retrieve() as wired by build_citebot ({retriever}): query "
        "embedding, Chroma search, committed-version filter, fusion/diversity. Synthetic "
        "indexes use random unit vectors and random draws from the corpus's words, written "
        "straight into Chroma + BM25 (embedding 1M chunks here would take hours)."
    )
    return result
