"""👍/👎 feedback on answers: persistent buttons and a small SQLite file beside the store.

Each answer shown in Discord is recorded (question, answer, cited chunk ids, mode, time) under a
random id that the buttons carry in their `custom_id`, so votes still land after a restart. A
user's id is stored only as a salted SHA-256 hash; one vote per user per answer, changeable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Literal

from bot.answer.models import Answer

log = logging.getLogger(__name__)

Vote = Literal["up", "down"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, chunk_ids TEXT NOT NULL,
    mode TEXT NOT NULL, refused INTEGER NOT NULL, as_of TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id), user_hash TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')), voted_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, user_hash)
);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Answers shown and the votes on them, in one SQLite file."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)",
                (secrets.token_hex(16),),
            )
            self._salt = str(db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: safe from any thread (calls run via asyncio.to_thread).
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            with db:
                yield db

    def hash_user(self, user_id: int) -> str:
        """The salted SHA-256 of a Discord user id (the raw id is never stored)."""
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()

    def record_answer(self, answer: Answer) -> str:
        """Store an answer that is about to be shown; return its id for the buttons."""
        answer_id = uuid.uuid4().hex
        chunk_ids = json.dumps([c.chunk_id for c in answer.citations])
        with self._connect() as db:
            db.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, answer.question, answer.text, chunk_ids, answer.mode,
                 int(answer.refused), answer.as_of, _now()),
            )  # fmt: skip
        return answer_id

    def vote(self, answer_id: str, user_id: int, vote: Vote) -> Vote | None:
        """Record (or change) a user's vote; return their previous vote, if any."""
        user_hash = self.hash_user(user_id)
        with self._connect() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                raise KeyError(answer_id)
            row = db.execute(
                "SELECT vote FROM votes WHERE answer_id = ? AND user_hash = ?",
                (answer_id, user_hash),
            ).fetchone()
            db.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT (answer_id, user_hash) "
                "DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user_hash, vote, _now()),
            )
        return row[0] if row else None

    def votes(self) -> list[dict[str, Any]]:
        """Every vote joined with the answer it is about, oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT a.id AS answer_id, a.question, a.answer, a.chunk_ids, a.mode, a.refused,"
                " a.as_of, a.created_at, v.vote, v.user_hash, v.voted_at"
                " FROM votes v JOIN answers a ON a.id = v.answer_id ORDER BY v.voted_at, a.id"
            ).fetchall()
        return [
            {
                **dict(row),
                "chunk_ids": json.loads(row["chunk_ids"]),
                "refused": bool(row["refused"]),
            }
            for row in rows
        ]

    def export_jsonl(self, out: Path) -> int:
        """Write every vote as one JSON object per line; return how many."""
        rows = self.votes()
        with out.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(rows)


def feedback_path(settings: Any) -> Path:
    """Where the feedback file lives: CITEBOT_FEEDBACK_DB, else beside the embedded store."""
    configured: Path | None = getattr(settings, "feedback_db", None)
    return configured if configured is not None else Path(settings.store) / "feedback.sqlite3"
