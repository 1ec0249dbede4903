"""`citebot report`: refused, 👎, topics grouped by the local embedder, per day/mode, slowest."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.answer.models import Answer, Citation
from bot.cli.report_cmd import register
from bot.coverage import build_coverage, group_topics, parse_since
from bot.feedback import FeedbackStore
from ingest.index.embeddings import LocalEmbedder

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
QUESTIONS = [
    ("What is Honda's 2040 target?", False, 120.0),
    ("What does Honda aim for by 2040?", False, 95.0),
    ("Honda's goal for 2040?", False, 3400.0),
    ("Who won the 2031 chess olympiad?", True, 40.0),
    ("Which team won the chess olympiad in 2031?", True, 35.0),
    ("How many potatoes grew in the lunar greenhouse?", True, 60.0),
]


def answer(question: str, refused: bool, ms: float) -> Answer:
    citations = [] if refused else [Citation(1, "seed", "seed::ab12::00000", "Honda", "", "", "q")]
    return Answer(
        question=question,
        text="" if refused else "Honda targets 100% EV sales by 2040 [1].",
        refused=refused,
        mode="extractive",
        citations=citations,
        timings_ms={"total": ms},
    )


@pytest.fixture
def feedback(tmp_path: Path) -> Path:
    path = tmp_path / "fb.sqlite3"
    store = FeedbackStore(path)
    ids = [store.record_answer(answer(*q)) for q in QUESTIONS]
    store.vote(ids[1], 7, "down")
    store.vote(ids[0], 7, "up")
    return path


def test_topics_group_questions_by_meaning(embedder: LocalEmbedder) -> None:
    rows = [{"question": q, "refused": r} for q, r, _ in QUESTIONS]

    topics = group_topics(rows, embedder.embed)

    sizes = {t.label: (t.count, t.refused) for t in topics}
    honda = next(t for t in topics if "Honda" in t.label)
    chess = next(t for t in topics if "chess" in t.label)
    assert (honda.count, honda.refused) == (3, 0) and (chess.count, chess.refused) == (2, 2)
    assert sum(count for count, _ in sizes.values()) == len(QUESTIONS)


def test_report_json_and_html(feedback: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    out = tmp_path / "report" / "coverage.html"
    env = {"CITEBOT_FEEDBACK_DB": str(feedback), "CITEBOT_STORE": str(tmp_path / "none")}

    result = CliRunner().invoke(app, ["report", "--json", "--html", str(out)], env=env)

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answers"] == 6 and data["per_mode"] == {"refused": 3, "extractive": 3}
    assert {r["question"] for r in data["refused"]} == {q for q, refused, _ in QUESTIONS if refused}
    assert [r["question"] for r in data["downvoted"]] == ["What does Honda aim for by 2040?"]
    assert data["slowest"][0]["question"] == "Honda's goal for 2040?"
    assert data["topics"][0]["count"] == 3 and data["votes"] == {"up": 1, "down": 1}
    [counts] = data["per_day"].values()
    assert counts == {"extractive": 3, "refused": 3}
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<script" not in page and "https://" not in page
    assert "Who won the 2031 chess olympiad?" in page


def test_report_text_since_and_errors(feedback: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    env = {"CITEBOT_FEEDBACK_DB": str(feedback)}

    text = CliRunner().invoke(app, ["report", "--since", "24h"], env=env)
    bad = CliRunner().invoke(app, ["report", "--since", "last tuesday"], env=env)
    none = CliRunner().invoke(app, ["report"], env={"CITEBOT_FEEDBACK_DB": str(tmp_path / "x")})

    assert text.exit_code == 0 and "Refused questions" in text.stdout
    assert "6 answers" in text.stdout and "Slowest answers" in text.stdout
    assert bad.exit_code == 2 and "--since must look like 7d" in bad.output
    assert none.exit_code == 0 and "No answers recorded yet" in none.output


def test_since_parsing() -> None:
    assert parse_since("7d", now=NOW) == NOW - dt.timedelta(days=7)
    assert parse_since("24h", now=NOW) == NOW - dt.timedelta(hours=24)
    assert parse_since("2026-11-01", now=NOW) == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        parse_since("soon", now=NOW)


def test_an_empty_period_renders(tmp_path: Path) -> None:
    from bot.coverage_html import render_html

    report = build_coverage([], since=NOW, until=NOW, embed=None)
    assert "None in this period." in render_html(report)


def test_a_version_1_feedback_file_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE answers (id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT"
            " NULL, chunk_ids TEXT NOT NULL, mode TEXT NOT NULL, refused INTEGER NOT NULL, as_of"
            " TEXT NOT NULL, created_at TEXT NOT NULL);"
            "INSERT INTO answers VALUES ('a' , 'old?', 'old.', '[]', 'extractive', 0, '',"
            " '2026-11-30T10:00:00+00:00');"
        )

    store = FeedbackStore(path)
    store.record_answer(answer(*QUESTIONS[0]))

    rows = store.answers_since(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert [r["question"] for r in rows] == ["old?", QUESTIONS[0][0]]
    assert rows[0]["cited"] == [] and rows[0]["latency_ms"] is None
    assert rows[1]["latency_ms"] == 120.0 and rows[1]["cited"][0].digest == "ab12"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
