"""The claim check's cost in LLM mode: model replies in every citation style over the seed article.

The model is replaced by its reply (it answers instantly), so what is timed is what citebot adds
to an LLM answer: sanitising, parsing the claims, checking each against its passages (numbers,
dates, names, polarity, paraphrase with the embedder when the wording differs), re-citing or
removing, and rendering. Warm: the embedder and index are loaded once.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, Context, Result, bench_settings, percentiles

TITLE = "7. Claim check (LLM mode, instant model)"
ROUNDS = 20
TARGET_MS = 30.0
TARGET = "What is Honda's 2040 target?"
PARTNER = "Will Nissan and Honda partner on EV components?"
MICRA = "Where will the Nissan electric Micra be manufactured?"
REPLIES = [
    (TARGET, "Honda is aiming for 100% electric and fuel cell vehicle sales by 2040. [1]"),
    (
        TARGET,
        "[1] Honda has set ambitious targets. It aims for 100 percent electric sales by 2040.",
    ),
    (TARGET, "Honda targets 100 percent electric sales by 2040【1】."),
    (TARGET, "Source [1]: Honda wants all of its sales to be electric or fuel cell by 2040."),
    (PARTNER, "- key components for electric vehicles [1]\n- production of kei cars [1]"),
    (PARTNER, "Nissan and Honda may team up to cut the cost of making EVs (Source 1)."),
    (MICRA, "The electric Micra will be built in northern France [1]."),
    (MICRA, "The upcoming Nissan electric Micra will be manufactured in northern Spain [1]."),
    (TARGET, "Honda has abandoned its target of 100 percent electric sales by 2040 [1]."),
    (TARGET, "The sources [1] and [2] provide this information."),
]


def run(ctx: Context) -> Result:
    """Time `Answerer.from_llm` (the whole check) on each reply, warm."""
    from bot.answer.citations import render
    from bot.answer.claims import review
    from bot.answer.grammar import parse_answer
    from bot.answer.posting import checker_for
    from bot.app import build_citebot
    from ingest.index.embeddings import LocalEmbedder
    from ingest.index.snapshot import snapshot_hook
    from ingest.pipeline import ingest

    result = Result("claims", TITLE)
    with tempfile.TemporaryDirectory(prefix="citebot-claims-bench-") as tmp:
        settings = bench_settings(Path(tmp) / "store", "seeds")
        ingest(
            [ROOT / "seeds"],
            settings=settings,
            embedder=LocalEmbedder(),
            after_write=snapshot_hook(settings),
        )
        answerer = build_citebot(settings).answerer
        prepared = [(q, raw, answerer.retrieve(q)) for q, raw in REPLIES]
        for question, raw, passages in prepared:
            answerer.from_llm(question, raw, passages, "")  # warm caches
        checks: list[float] = []
        totals: list[float] = []
        modes: dict[str, int] = {}
        for _ in range(ROUNDS):
            for question, raw, passages in prepared:
                started = time.perf_counter()
                decisions = review(parse_answer(raw), passages, checker_for(answerer))
                render(
                    [
                        (d.claim.text, d.sources, d.claim.block, d.claim.bullet)
                        for d in decisions
                        if d.decision != "removed"
                    ],
                    passages,
                )
                checks.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                answer = answerer.from_llm(question, raw, passages, "")
                totals.append((time.perf_counter() - started) * 1000)
                modes[answer.mode] = modes.get(answer.mode, 0) + 1
    check = percentiles(checks)
    total = percentiles(totals)
    result.add("claim check: p50", check["p50"], "ms")
    result.add("claim check: p95", check["p95"], "ms", at_most=TARGET_MS)
    result.add("from_llm incl. quoted fallback: p50", total["p50"], "ms")
    result.add("from_llm incl. quoted fallback: p95", total["p95"], "ms")
    result.notes.append(
        f"{len(REPLIES)} replies x {ROUNDS} rounds over the seed article; answer modes {modes}. "
        "The check is parse + review + render; from_llm adds sanitising and, for the replies "
        "that are not posted, the extractive answer quoted instead."
    )
    return result
