"""Sentence splitters compared: boundary F1 on the labelled cases, speed on corpus chunks, import.

The project's splitter always runs; other splitters run when installed in the same environment
(`.venv/bin/pip install pysbd nupunkt syntok blingfire segtok spacy`): they are candidates that were
measured, not dependencies. Standalone: `.venv/bin/python -m benchmarks.run --only sentences`.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import CORPUS, Context, Result, bench_settings, percentiles, require_corpus

TITLE = "9. Sentence splitting"
CASES = Path(__file__).resolve().parent.parent / "tests" / "data"
SAMPLE = 400  # corpus chunks timed per splitter
PER_QUESTION = 8  # passages split per question
Spans = list[tuple[int, int]]
Splitter = Callable[[str], Spans]
# Timed in a fresh interpreter after the stdlib modules every splitter uses are loaded.
_IMPORT = (
    "import re, dataclasses, functools, time; t = time.perf_counter(); {stmt}; "
    "print((time.perf_counter() - t) * 1000)"
)


def _ours() -> Splitter:
    from ingest.index.language import sentences

    return lambda t: [(s.start, s.end) for s in sentences._split(t)]  # the uncached path


def _pysbd() -> Splitter:
    segmenter = importlib.import_module("pysbd").Segmenter(
        language="en", clean=False, char_span=True
    )
    return lambda t: [(s.start, s.end) for s in segmenter.segment(t)]


def _sentencex() -> Splitter:
    boundaries = importlib.import_module("sentencex").get_sentence_boundaries
    return lambda t: [(d["start_index"], d["end_index"]) for d in boundaries("en", t)]


def _nupunkt() -> Splitter:
    spans = importlib.import_module("nupunkt").sent_spans
    return lambda t: list(spans(t))


def _syntok() -> Splitter:
    analyze = importlib.import_module("syntok.segmenter").analyze

    def split(text: str) -> Spans:
        return [
            (sent[0].offset, sent[-1].offset + len(sent[-1].value))
            for paragraph in analyze(text)
            for sent in paragraph
        ]

    return split


def _blingfire() -> Splitter:
    offsets = importlib.import_module("blingfire").text_to_sentences_and_offsets
    return lambda t: list(offsets(t)[1]) if t.strip() else []


def _segtok() -> Splitter:
    split_multi = importlib.import_module("segtok.segmenter").split_multi
    return lambda t: _locate(t, list(split_multi(t)))


def _spacy() -> Splitter:
    nlp = importlib.import_module("spacy").blank("en")
    nlp.add_pipe("sentencizer")
    return lambda t: [(s.start_char, s.end_char) for s in nlp(t).sents]


# name: (how to build it, the statement timed for import + first call)
SPLITTERS: dict[str, tuple[Callable[[], Splitter], str]] = {
    "citebot (sentencex + post-pass)": (
        _ours,
        "from ingest.index.language.sentences import split_sentences as f; f('A b. C d.')",
    ),
    "sentencex alone": (_sentencex, "import sentencex as s; s.get_sentence_boundaries('en', 'A.')"),
    "pysbd": (_pysbd, "import pysbd; pysbd.Segmenter(language='en', char_span=True).segment('A.')"),
    "nupunkt": (_nupunkt, "import nupunkt; nupunkt.sent_spans('A b. C d.')"),
    "syntok": (_syntok, "import syntok.segmenter as s; list(s.analyze('A b. C d.'))"),
    "blingfire": (_blingfire, "import blingfire as b; b.text_to_sentences_and_offsets('A. B.')"),
    "segtok": (_segtok, "from segtok.segmenter import split_multi as s; list(s('A b. C d.'))"),
    "spacy sentencizer": (
        _spacy,
        "import spacy; n = spacy.blank('en'); n.add_pipe('sentencizer'); list(n('A. B.').sents)",
    ),
}


def _locate(text: str, pieces: list[str]) -> Spans:
    """Spans of `pieces` found in order in `text` (for splitters that return strings)."""
    spans, cursor = [], 0
    for piece in (p.strip() for p in pieces):
        if piece:
            start = text.find(piece, cursor)
            if start < 0:
                raise ValueError(f"a splitter returned text that is not in its input: {piece!r}")
            spans.append((start, start + len(piece)))
            cursor = start + len(piece)
    return spans


def _ends(text: str, spans: Spans) -> list[int]:
    """Where each non-empty sentence ends once its trailing whitespace is dropped."""
    return [a + len(text[a:b].rstrip()) for a, b in spans if text[a:b].strip()]


def boundary_scores(split: Splitter, cases: list[dict[str, Any]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 of the sentence boundaries inside each case's text."""
    hits = extra = missed = 0
    for case in cases:
        text = case["text"]
        gold = set(_ends(text, _locate(text, case["sentences"]))[:-1])
        found = set(_ends(text, split(text))[:-1])
        hits, extra, missed = (
            hits + len(gold & found),
            extra + len(found - gold),
            missed + len(gold - found),
        )
    precision = hits / (hits + extra) if hits + extra else 1.0
    recall = hits / (hits + missed) if hits + missed else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def exact_cases(split: Splitter, cases: list[dict[str, Any]]) -> int:
    """How many cases come out exactly as labelled."""
    return sum(
        _ends(c["text"], split(c["text"])) == _ends(c["text"], _locate(c["text"], c["sentences"]))
        for c in cases
    )


def corpus_chunks() -> list[str]:
    """A fixed sample of the corpus's chunks as ingest makes them: the passages answers split."""
    from ingest.chunking import chunk_document, content_hash
    from ingest.loaders import load_paths

    settings = bench_settings()
    loaded = load_paths([CORPUS], max_bytes=int(settings.max_file_mb * 1_000_000))
    chunks = [
        chunk.text
        for doc in loaded.documents
        for chunk in chunk_document(
            doc, size=settings.chunk_size, overlap=settings.chunk_overlap, digest=content_hash(doc)
        )
    ]
    return random.Random(7).sample(chunks, min(SAMPLE, len(chunks)))


def ms_per_1k_chars(split: Splitter, texts: list[str]) -> float:
    """Best of three passes over `texts`, in ms per 1,000 characters."""
    passes = []
    for _ in range(3):
        started = time.perf_counter()
        for text in texts:
            split(text)
        passes.append(time.perf_counter() - started)
    return min(passes) * 1000 / (sum(map(len, texts)) / 1000)


def import_ms(statement: str) -> float:
    """Median of three: import and first call in a fresh interpreter, in ms."""
    code = _IMPORT.format(stmt=statement)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # same modules
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def per_question(texts: list[str]) -> dict[str, dict[str, float]]:
    """Percentiles of ms to split one question's passages: first sight, then again (cached)."""
    from ingest.index.language.sentences import _split_cached, split_sentences

    _split_cached.cache_clear()
    groups = [texts[i : i + PER_QUESTION] for i in range(0, len(texts), PER_QUESTION)]
    timings: dict[str, list[float]] = {"first time": [], "cached": []}
    for samples in timings.values():
        for group in groups:
            started = time.perf_counter()
            for text in group:
                split_sentences(text)
            samples.append((time.perf_counter() - started) * 1000)
    return {label: percentiles(samples) for label, samples in timings.items()}


def run(ctx: Context) -> Result:
    """Every installed splitter on the labelled cases and the corpus."""
    require_corpus()
    result = Result("sentences", TITLE)
    sets = {
        name: [json.loads(line) for line in (CASES / f"{name}.jsonl").read_text().splitlines()]
        for name in ("sentence_cases", "sentence_cases_heldout")
    }
    texts = corpus_chunks()
    for name, (build, statement) in SPLITTERS.items():
        try:
            split = build()
        except ImportError:
            result.notes.append(f"{name}: not installed here, not measured")
            continue
        for set_name, cases in sets.items():
            _, _, f1 = boundary_scores(split, cases)
            exact = exact_cases(split, cases)
            result.add(f"{name}: boundary F1, {set_name} ({exact}/{len(cases)} exact)", f1)
        result.add(f"{name}: speed on corpus chunks", ms_per_1k_chars(split, texts), "ms/1k chars")
        result.add(f"{name}: import + first call", import_ms(statement), "ms")
    for label, spread in per_question(texts).items():
        for p in ("p50", "p95"):
            result.add(f"citebot: split {PER_QUESTION} passages, {label}, {p}", spread[p], "ms")
    result.notes.append(f"{len(texts)} corpus chunks, {sum(map(len, texts)):,} characters")
    return result
