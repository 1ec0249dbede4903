"""The claim-checker benchmark: (claim, passage, supported?) pairs scored per kind.

Each row of the file (eval/claims.jsonl) names its passage by document file and character span
(no article text in the repo): `doc_root` "repo" is this checkout, "shared" the RealTime QA corpus
in ../shared/eval/realtimeqa/. Rows whose passage cannot be read are skipped and counted. Every row
is checked with the same `Checker` the LLM answers go through; the report gives precision and
recall of "supported" per kind (faithful rows should be accepted, every other kind rejected), on
the even rows (where thresholds are fitted), the odd rows, and all rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from bot.answer.grammar import parse_answer
from bot.answer.support import Checker, Source, Thresholds

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "eval" / "realtimeqa"


@dataclass(frozen=True, slots=True)
class Row:
    """One benchmark pair with its verdict."""

    id: str
    kind: str
    supported: bool
    predicted: bool
    reason: str
    claim: str
    scores: tuple[tuple[float, float], ...] = ()  # (overlap, similarity) of each claim; () if
    # a hard check (number, date, name, negation) failed

    @property
    def even(self) -> bool:
        digits = "".join(c for c in self.id if c.isdigit())
        return int(digits or 0) % 2 == 0


@dataclass(frozen=True, slots=True)
class KindScore:
    """How the checker did on one kind of row."""

    kind: str
    rows: int
    accepted: int  # predicted supported
    correct: int  # prediction == label

    @property
    def rate(self) -> float:
        """Faithful: recall of "supported"; errors: share rejected."""
        return self.correct / self.rows if self.rows else 0.0


def doc_roots(shared: Path = SHARED) -> dict[str, Path]:
    """Where each `doc_root` lives."""
    return {"repo": REPO, "shared": shared}


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _meta(text: str) -> tuple[str, str]:
    """Front matter as one line of metadata (title, source, date, author) and the body."""
    if not text.startswith("---"):
        return "", text
    end = text.find("\n---", 3)
    header = text[3:end] if end > 0 else ""
    values = [
        line.split(":", 1)[1].strip().strip("\"'")
        for line in header.splitlines()
        if (":" in line and line.split(":", 1)[0].strip() in {"title", "source", "author", "date"})
        or line.startswith("published_date")
    ]
    return "\n".join(values), text


def source_for(row: dict[str, Any], roots: dict[str, Path]) -> Source | None:
    """The passage a row points at, as evidence (None when its file is absent)."""
    root = roots.get(str(row.get("doc_root")))
    if root is None:
        return None
    path = root / str(row["doc_file"])
    if not path.is_file():
        return None
    meta, text = _meta(_read(path))
    start, end = row["span"]
    return Source.of(text[start:end], meta=meta, context=text)


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The benchmark file's rows."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def run(
    rows: list[dict[str, Any]], checker: Checker, roots: dict[str, Path]
) -> tuple[list[Row], int]:
    """Check every row whose passage is readable; also return how many were skipped."""
    out: list[Row] = []
    skipped = 0
    for row in rows:
        source = source_for(row, roots)
        if source is None:
            skipped += 1
            continue
        out.append(judge(row, source, checker))
    return out, skipped


def judge(row: dict[str, Any], source: Source, checker: Checker) -> Row:
    """Parse the row's claim as an answer (any citation style) and check each claim in it."""
    claims = parse_answer(str(row["claim"]))
    verdicts = [checker.check(c.text, source, "[1]") for c in claims]
    failed = [v.reason for v in verdicts if not v.supported]
    hard = any(v.reason and not v.reason.startswith("not in") for v in verdicts)
    return Row(
        id=str(row["id"]),
        kind=str(row["kind"]),
        supported=bool(row["supported"]),
        predicted=bool(verdicts) and not failed,
        reason=failed[0] if failed else "",
        claim=str(row["claim"]),
        scores=() if hard or not verdicts else tuple((v.overlap, v.similarity) for v in verdicts),
    )


def score(rows: list[Row], select: Callable[[Row], bool] = lambda r: True) -> list[KindScore]:
    """Per-kind results over the selected rows (faithful first)."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if select(row):
            groups[row.kind].append(row)
    kinds = sorted(groups, key=lambda k: (k != "faithful", k))
    return [
        KindScore(
            kind,
            len(groups[kind]),
            sum(r.predicted for r in groups[kind]),
            sum(r.predicted == r.supported for r in groups[kind]),
        )
        for kind in kinds
    ]


def precision_recall(rows: list[Row]) -> tuple[float, float]:
    """Precision and recall of the "supported" prediction."""
    tp = sum(r.predicted and r.supported for r in rows)
    predicted = sum(r.predicted for r in rows)
    actual = sum(r.supported for r in rows)
    return (tp / predicted if predicted else 0.0, tp / actual if actual else 0.0)


def rejudge(rows: list[Row], thresholds: Thresholds) -> list[Row]:
    """The rows' predictions under other paraphrase thresholds (hard failures stay failures)."""
    return [
        replace(r, predicted=bool(r.scores) and all(thresholds.accept(o, s) for o, s in r.scores))
        for r in rows
    ]


def fit_thresholds(rows: list[Row]) -> Thresholds:
    """The thresholds that maximise faithful recall and the mean share of errors rejected, equally
    weighted, on `rows` (ties: the better worst kind)."""
    best: tuple[float, float, Thresholds] | None = None
    for overlap in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.01):
        for similarity in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01):
            for combined in (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 9.0):
                for floor in (0.2, 0.3, 0.4, 0.5):
                    t = Thresholds(overlap, similarity, combined, floor)
                    kinds = score(rejudge(rows, t))
                    errors = [k.rate for k in kinds if k.kind != "faithful"]
                    faithful = [k.rate for k in kinds if k.kind == "faithful"]
                    kept = sum(faithful) / max(1, len(faithful))
                    balance = (kept + sum(errors) / len(errors)) / 2
                    key = (balance, min(k.rate for k in kinds), t)
                    if best is None or key[:2] > best[:2]:
                        best = key
    assert best is not None
    return best[2]
