"""What the articles don't cover: a report over the answers recorded in the feedback store.

Refused questions, 👎 answers, the most-asked topics (questions grouped by embedding similarity),
answers per day and per mode, and the slowest answers. Plain data in, plain data out: the CLI
prints it, writes it as JSON or renders it as an HTML page (`bot.coverage_html`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

TOPIC_SIMILARITY = 0.6  # cosine similarity for two questions to share a topic (MiniLM)
TOPICS_SHOWN = 10
LISTED = 25
_SINCE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}

Embed = Callable[[Sequence[str]], np.ndarray]


def parse_since(value: str, *, now: dt.datetime) -> dt.datetime:
    """`7d`, `24h`, `2w` before `now`, or a date (`2026-11-01`); ValueError otherwise."""
    match = _SINCE.match(value)
    if match:
        return now - dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
    day = dt.date.fromisoformat(value.strip())
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@dataclass(slots=True)
class Topic:
    """Questions that ask about the same thing: the most central one names the group."""

    label: str
    count: int
    refused: int
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Coverage:
    """The report."""

    since: str
    until: str
    answers: int
    refused: list[dict[str, Any]]
    downvoted: list[dict[str, Any]]
    topics: list[Topic]
    per_day: dict[str, dict[str, int]]
    per_mode: dict[str, int]
    slowest: list[dict[str, Any]]
    votes: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "question": row["question"],
        "answer": row["answer"],
        "mode": row["mode"],
        "refused": row["refused"],
        "latency_ms": row["latency_ms"],
        "up": row["up"],
        "down": row["down"],
    }


def kind(row: dict[str, Any]) -> str:
    """How an answer ended: `refused`, or its mode (`extractive`, `llm`)."""
    return "refused" if row["refused"] else str(row["mode"])


def build_coverage(
    rows: Sequence[dict[str, Any]],
    *,
    since: dt.datetime,
    until: dt.datetime,
    embed: Embed | None,
    similarity: float = TOPIC_SIMILARITY,
) -> Coverage:
    """Summarise the recorded answers (`FeedbackStore.answers_since` rows, oldest first)."""
    per_day: dict[str, dict[str, int]] = {}
    for row in rows:
        day = per_day.setdefault(str(row["created_at"])[:10], {})
        day[kind(row)] = day.get(kind(row), 0) + 1
    timed = [r for r in rows if r["latency_ms"] is not None]
    slowest = sorted(timed, key=lambda r: (-float(r["latency_ms"]), r["created_at"]))[:LISTED]
    return Coverage(
        since=since.isoformat(timespec="seconds"),
        until=until.isoformat(timespec="seconds"),
        answers=len(rows),
        refused=[_brief(r) for r in rows if r["refused"]][-LISTED:],
        downvoted=[_brief(r) for r in rows if r["down"]][-LISTED:],
        topics=group_topics(rows, embed, similarity) if embed is not None and rows else [],
        per_day=dict(sorted(per_day.items())),
        per_mode=dict(Counter(kind(r) for r in rows).most_common()),
        slowest=[_brief(r) for r in slowest],
        votes={
            "up": sum(int(r["up"]) for r in rows),
            "down": sum(int(r["down"]) for r in rows),
        },
    )


def group_topics(
    rows: Sequence[dict[str, Any]], embed: Embed, similarity: float = TOPIC_SIMILARITY
) -> list[Topic]:
    """Group questions whose embeddings are close (greedy, in order asked), biggest first."""
    questions = [str(r["question"]) for r in rows]
    vectors = np.asarray(embed(questions), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        if centroids:
            scores = np.asarray(
                [float(c @ vector) / max(float(np.linalg.norm(c)), 1e-12) for c in centroids]
            )
            best = int(scores.argmax())
            if scores[best] >= similarity:
                groups[best].append(i)
                centroids[best] = centroids[best] + vector
                continue
        groups.append([i])
        centroids.append(vector.copy())
    topics = []
    for members, centroid in zip(groups, centroids, strict=True):
        central = max(members, key=lambda i: float(vectors[i] @ centroid))
        distinct = list(dict.fromkeys(questions[i] for i in members))
        topics.append(
            Topic(
                label=questions[central],
                count=len(members),
                refused=sum(1 for i in members if rows[i]["refused"]),
                examples=distinct[:5],
            )
        )
    topics.sort(key=lambda t: (-t.count, -t.refused, t.label))
    return topics[:TOPICS_SHOWN]
