"""End-to-end `citebot ingest` of the shared corpus, split by stage, then a re-ingest."""

from __future__ import annotations

import json
import shutil
from typing import Any

from benchmarks.common import (
    CORPUS,
    CORPUS_STORE,
    Context,
    Finished,
    Result,
    bench_env,
    require_corpus,
    run_citebot,
)

TITLE = "2. Ingest (600-article shared corpus, default chunking)"
STAGES = ("load", "chunk", "embed", "write", "write_wait", "lexical")


def ingest_once() -> tuple[dict[str, Any], Finished]:
    """Run `citebot ingest --json` on the corpus: its summary and the process's costs."""
    done = run_citebot(
        ["ingest", str(CORPUS), "--json"], env=bench_env(), ok_codes=(0, 3), measure_memory=True
    )
    return json.loads(done.stdout), done


def run(ctx: Context) -> Result:
    """First ingest into an empty store, then the same corpus again (nothing should change)."""
    require_corpus()
    result = Result("ingest", TITLE)
    shutil.rmtree(CORPUS_STORE, ignore_errors=True)
    first, process = ingest_once()
    wall = process.seconds
    ctx.corpus_ready = True
    ctx.ingest_peak_rss_mb = process.peak_rss_mb
    timings = first["timings"]
    embed = timings.get("embed", 0.0)
    result.add("documents / chunks written", f"{len(first['added'])} / {first['chunks_written']}")
    result.add("first ingest, whole command", wall, "s", at_most=200)
    result.add("first ingest, inside the pipeline", first["seconds"], "s")
    for stage in STAGES:
        if stage in timings:
            result.add(f"  stage: {stage}", timings[stage], "s")
    other = (
        first["seconds"] - embed - sum(timings.get(s, 0.0) for s in ("load", "chunk", "lexical"))
    )
    other -= timings.get("write_wait", 0.0)
    result.add("  other (open store, diff, counts)", other, "s")
    raw = ctx.embed_seconds if ctx.embed_seconds is not None else embed
    basis = "benchmark 1" if ctx.embed_seconds is not None else "the pipeline's own embed stage"
    result.add(f"raw embedding time of these chunks ({basis})", raw, "s")
    result.add("command wall / raw embedding", wall / raw, "x", at_most=1.15)
    result.add("pipeline / raw embedding", first["seconds"] / raw, "x", at_most=1.15)
    if ctx.embed_cpu_seconds:
        result.add(
            "command CPU / raw embedding CPU (robust to load)",
            process.cpu_seconds / ctx.embed_cpu_seconds,
            "x",
            at_most=1.15,
        )
    result.add("pipeline / its own embed stage", first["seconds"] / embed, "x")
    again, second = ingest_once()
    wall_again = second.seconds
    result.add("re-ingest unchanged, whole command", wall_again, "s")
    result.add("re-ingest unchanged, inside the pipeline", again["seconds"], "s")
    result.add("re-ingest / first ingest (command)", wall_again / wall * 100, "%", at_most=3)
    result.add("chunks re-embedded on re-ingest", again["chunks_written"], at_most=0)
    result.notes.append(
        "'write' is the writer thread's busy time; it overlaps with embedding. 'write_wait' is "
        "what is left of it after the last batch is embedded. Whole-command times include "
        "Python start-up, imports and loading the model."
    )
    return result
