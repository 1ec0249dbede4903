"""Peak memory of a bot process with the shared corpus loaded, and of ingest."""

from __future__ import annotations

import json
import sys

from benchmarks.common import (
    CORPUS,
    Context,
    Result,
    bench_env,
    ensure_corpus_store,
    run_citebot,
    run_process,
)

TITLE = "6. Memory (peak RSS)"

# A bot process: what `citebot discord` loads (discord.py, the answering pipeline, both indexes),
# then ten answers so every lazy part is resident.
BOT_PROCESS = """
import json, sys
from benchmarks.common import bench_settings, dev_questions
try:
    import bot.discord_app.client  # noqa: F401  (the Discord client's own imports)
except ImportError:
    pass
from bot.app import build_citebot
citebot = build_citebot(bench_settings())
for question, as_of in dev_questions(10):
    citebot.answerer.answer(question, as_of=as_of)
print(json.dumps({"documents": citebot.store.count_documents()}))
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):  # this process's own peak (ru_maxrss counts the parent too)
        sys.stderr.write("PEAK_RSS_KB=" + line.split()[1] + "\\n")
"""


def run(ctx: Context) -> Result:
    """Measure a bot process and (unless the ingest benchmark already did) a first ingest."""
    result = Result("memory", TITLE)
    ensure_corpus_store(ctx)
    bot = run_process([sys.executable, "-c", BOT_PROCESS], env=bench_env())
    documents = json.loads(bot.stdout.strip().splitlines()[-1])["documents"]
    result.add(f"bot process, {documents} documents loaded", bot.peak_rss_mb, "MB", at_most=600)
    if ctx.ingest_peak_rss_mb is None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            done = run_citebot(
                ["ingest", str(CORPUS), "--json"],
                env=bench_env(store=Path(tmp) / "store"),
                ok_codes=(0, 3),
                measure_memory=True,
            )
        ctx.ingest_peak_rss_mb = done.peak_rss_mb
    result.add("citebot ingest, first ingest of the corpus", ctx.ingest_peak_rss_mb, "MB")
    return result
