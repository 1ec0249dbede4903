"""What every benchmark shares: the machine description, the corpus location, results, tables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# The evaluation data sits beside the checkout (one level further up from a git worktree).
SHARED = next(
    (p / "shared" / "eval" / "realtimeqa" for p in ROOT.parents if (p / "shared/eval").is_dir()),
    ROOT.parent / "shared" / "eval" / "realtimeqa",
)
CORPUS = SHARED / "corpus"
DEV = SHARED / "dev.jsonl"
WORK = ROOT / ".citebot" / "bench"
CORPUS_STORE = WORK / "corpus-store"
COLLECTION = "bench-realtimeqa"
BIN = Path(sys.executable).parent


class Skip(Exception):
    """A benchmark cannot run here (the message says why)."""


@dataclass
class Row:
    """One measured number, with its target when the issue sets one."""

    metric: str
    value: float | str
    unit: str = ""
    target: str = ""
    met: bool | None = None


@dataclass
class Result:
    """What one benchmark measured."""

    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str = ""
    seconds: float = 0.0

    def add(
        self,
        metric: str,
        value: float | str,
        unit: str = "",
        *,
        at_most: float | None = None,
        at_least: float | None = None,
    ) -> Row:
        """Record a number; `at_most`/`at_least` state the target and whether it is met."""
        target = ""
        met: bool | None = None
        if at_most is not None and isinstance(value, float | int):
            target, met = f"<= {at_most:g}", bool(value <= at_most)
        if at_least is not None and isinstance(value, float | int):
            target, met = f">= {at_least:g}", bool(value >= at_least)
        row = Row(metric, round(value, 4) if isinstance(value, float) else value, unit, target, met)
        self.rows.append(row)
        return row

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class Context:
    """State shared between benchmarks of one run (so later ones reuse earlier work)."""

    million: bool = False
    embed_seconds: float | None = None  # raw embedding time of the corpus's chunks
    embed_cpu_seconds: float | None = None
    ingest_peak_rss_mb: float | None = None
    corpus_ready: bool = False


def cpu_model() -> str:
    """The CPU model name, from /proc/cpuinfo when there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine the numbers come from."""
    import chromadb
    import onnxruntime

    return {
        "cpu": cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "chromadb": chromadb.__version__,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def require_corpus() -> None:
    """Skip unless the shared evaluation corpus is present."""
    if not CORPUS.is_dir():
        raise Skip(
            f"{CORPUS} is not here (internal evaluation data), so this benchmark is skipped."
        )


def dev_questions(limit: int = 100) -> list[tuple[str, str]]:
    """(question, date asked) pairs from the dev set."""
    if not DEV.is_file():
        raise Skip(f"{DEV} is not here, so this benchmark is skipped.")
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    return [(r["question"], r.get("meta", {}).get("question_date", "")) for r in rows[:limit]]


def bench_settings(
    store: Path = CORPUS_STORE, collection: str = COLLECTION, **extra: Any
) -> Settings:
    """Settings for a benchmark store (offline, extractive)."""
    from bot.settings import Settings

    return Settings(store=store, collection=collection, openai_api_key=None, **extra)


def bench_env(store: Path = CORPUS_STORE, collection: str = COLLECTION) -> dict[str, str]:
    """Environment for a `citebot` subprocess on a benchmark store (no key: extractive)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "CHROMA_"))}
    env.pop("OPENAI_API_KEY", None)
    env.update(CITEBOT_STORE=str(store), CITEBOT_COLLECTION=collection, CITEBOT_EMBEDDINGS="local")
    return env


def ensure_corpus_store(ctx: Context) -> Path:
    """Ingest the shared corpus into the benchmark store (incremental: quick when it is there)."""
    require_corpus()
    if not ctx.corpus_ready:
        run_citebot(["ingest", str(CORPUS), "--json"], env=bench_env(), ok_codes=(0, 3))
        ctx.corpus_ready = True
    return CORPUS_STORE


@dataclass
class Finished:
    """A finished child process: its output, wall and CPU time, and peak memory."""

    stdout: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # 0 when the child did not report it


# Run the citebot CLI in-process and report the peak RSS at exit. VmHWM belongs to this process's
# own address space; ru_maxrss would also count the (large) benchmark parent it was forked from.
_WITH_PEAK_RSS = """
import atexit, sys

def _report():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK_RSS_KB=" + line.split()[1] + "\\n")

atexit.register(_report)
sys.argv = ["citebot", *sys.argv[1:]]
from bot.cli.main import main
main()
"""


def run_citebot(
    args: list[str],
    *,
    env: dict[str, str],
    ok_codes: tuple[int, ...] = (0,),
    measure_memory: bool = False,
) -> Finished:
    """Run the `citebot` command (optionally in a wrapper that reports its peak RSS)."""
    if measure_memory:
        return run_process(
            [sys.executable, "-c", _WITH_PEAK_RSS, *args], env=env, ok_codes=ok_codes
        )
    return run_process([str(BIN / "citebot"), *args], env=env, ok_codes=ok_codes)


def run_process(
    argv: list[str], *, env: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0,)
) -> Finished:
    """Run a command; `os.wait4` gives its CPU time, a `PEAK_RSS_KB=` stderr line its memory."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(argv[:3])} exited {proc.returncode}: {stderr[-2000:]}")
    peak_kb = [
        int(line.split("=", 1)[1])
        for line in stderr.splitlines()
        if line.startswith("PEAK_RSS_KB=")
    ]
    cpu = usage.ru_utime + usage.ru_stime
    return Finished(stdout, seconds, cpu, peak_kb[-1] / 1024 if peak_kb else 0.0)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 of latencies in milliseconds."""
    values = np.asarray(samples_ms, dtype=np.float64)
    return {f"p{p}": float(np.percentile(values, p)) for p in (50, 95, 99)}
