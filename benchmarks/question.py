"""The question path: `citebot --help`, a cold `citebot ask`, and warm answers per question."""

from __future__ import annotations

import statistics
import time

from benchmarks.common import (
    Context,
    Result,
    bench_env,
    bench_settings,
    dev_questions,
    ensure_corpus_store,
    percentiles,
    run_citebot,
)
from benchmarks.fakes import SlowEchoChatModel

TITLE = "4. Question path"
RUNS = 3


def run(ctx: Context) -> Result:
    """Start-up costs in fresh processes, then warm per-question times in this one."""
    from bot.app import build_citebot

    questions = dev_questions()
    result = Result("question", TITLE)
    helps = [run_citebot(["--help"], env=bench_env()).seconds for _ in range(RUNS)]
    result.add("citebot --help (median of 3)", statistics.median(helps), "s", at_most=0.5)
    ensure_corpus_store(ctx)
    question, as_of = questions[0]
    colds = [
        run_citebot(["ask", question, "--as-of", as_of], env=bench_env()).seconds
        for _ in range(RUNS)
    ]
    result.add(
        "citebot ask, cold, extractive (median of 3)", statistics.median(colds), "s", at_most=5
    )
    for label, llm in (("extractive", None), ("fake LLM (instant)", SlowEchoChatModel())):
        answerer = build_citebot(bench_settings(), llm=llm).answerer
        for q, when in questions[:5]:
            answerer.answer(q, as_of=when)
        samples = []
        modes: dict[str, int] = {}
        for q, when in questions:
            started = time.perf_counter()
            answer = answerer.answer(q, as_of=when)
            samples.append((time.perf_counter() - started) * 1000)
            modes[answer.mode] = modes.get(answer.mode, 0) + 1
        stats = percentiles(samples)
        result.add(f"warm {label}: p50", stats["p50"], "ms")
        target = 100.0 if llm is None else None
        result.add(f"warm {label}: p95", stats["p95"], "ms", at_most=target)
        result.notes.append(f"warm {label}: {len(samples)} dev questions, answer modes {modes}")
    return result
