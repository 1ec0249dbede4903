"""Re-ingest after one article changed in the 600-article corpus (what a daily update costs).

The shared corpus is read-only, so it is copied once to a work folder and ingested into its own
store (a full ingest the first time, then incremental). Each run edits one article of the copy
(it alternates between the original text and an added sentence, so every run is a change) and
times `citebot ingest` on the folder: one document updated (only its chunks whose text changed are
embedded again), the BM25 index rebuilt and saved.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from benchmarks.common import CORPUS, WORK, Context, Result, bench_env, require_corpus, run_citebot

TITLE = "2b. Re-ingest after one changed article (600-article corpus)"
TARGET_S = 3.0
COPY = WORK / "reingest-corpus"
STORE = WORK / "reingest-store"
COLLECTION = "bench-reingest"
EDIT = "\n\nThis article was updated for the re-ingest benchmark.\n"


def _ingest() -> tuple[dict[str, Any], float]:
    done = run_citebot(
        ["ingest", str(COPY), "--json"], env=bench_env(STORE, COLLECTION), ok_codes=(0, 3)
    )
    summary = json.loads(done.stdout)
    return summary, done.seconds


def run(ctx: Context) -> Result:
    """Make sure the copy is ingested, change one article, time the incremental ingest."""
    require_corpus()
    result = Result("reingest", TITLE)
    if not COPY.is_dir():
        shutil.copytree(CORPUS, COPY, copy_function=shutil.copyfile)  # writable, unlike the data
        COPY.chmod(0o755)
    setup, setup_seconds = _ingest()
    if setup["chunks_written"]:
        result.notes.append(f"first ingest of the corpus copy took {setup_seconds:.0f} s")
    article = sorted(COPY.glob("*.md"))[0]
    original = (CORPUS / article.name).read_text()
    changed = article.read_text() == original
    article.write_text(original + EDIT if changed else original)
    summary, wall = _ingest()
    timings = summary["timings"]
    written, kept = summary["chunks_written"], summary.get("chunks_reused", 0)
    result.add(
        "documents updated / chunks written / re-embedded",
        f"{len(summary['updated'])} / {written} / {written - kept}",
    )
    result.add("re-ingest, inside the pipeline", summary["seconds"], "s", at_most=TARGET_S)
    for stage in ("load", "open", "embed", "lexical"):
        if stage in timings:
            result.add(f"  stage: {stage}", timings[stage], "s")
    result.add("re-ingest, whole command", wall, "s")
    result.notes.append(
        "Whole-command time includes Python start-up, imports and loading the embedding model; "
        "'open' is opening the store (mostly importing chromadb); 'embed' includes loading the "
        "model when a chunk needs embedding; 'lexical' is the BM25 rebuild and save."
    )
    return result
