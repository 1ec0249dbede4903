"""👍/👎 feedback on answers: persistent buttons and a small SQLite file beside the store.

Each answer shown in Discord is recorded (question, answer, cited chunk ids, mode, time) under a
random id that the buttons carry in their `custom_id`, so votes still land after a restart. A
user's id is stored only as a salted SHA-256 hash; one vote per user per answer, changeable.

Schema version 2 adds, per answer: where it was posted (channel and message id, so a later change
of a cited article can edit its footer), the document versions it cited (doc id + content hash
prefix, from the chunk ids), how long it took, and whether it was flagged as stale. Older files
are migrated in place when opened (new columns, empty for old rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bot.answer.models import Answer

if TYPE_CHECKING:
    from bot.settings import Settings

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
SCHEMA_VERSION = 2
# Columns added by version 2 (ALTER TABLE on older files; NULL for the rows they already hold).
V2_COLUMNS = {
    "channel_id": "INTEGER",
    "message_id": "INTEGER",
    "cited": "TEXT",
    "latency_ms": "REAL",
    "stale_at": "TEXT",
    "stale_note": "TEXT",
}
ANSWER_COLUMNS = (
    "id, question, answer, chunk_ids, mode, refused, as_of, created_at, channel_id, message_id,"
    " cited, latency_ms, stale_at, stale_note"
)


@dataclass(frozen=True, slots=True)
class CitedVersion:
    """One source an answer cited, as it was then: `[n]`, the document and its content hash."""

    n: int
    doc_id: str
    digest: str  # the content hash prefix carried by the chunk id
    title: str


@dataclass(frozen=True, slots=True)
class ChangedSource:
    """A cited source that has since changed (new content) or been removed."""

    n: int
    doc_id: str
    title: str
    removed: bool

    def describe(self) -> str:
        """'[2] "Title" was updated' / 'was removed'."""
        what = "was removed from the index" if self.removed else "has changed"
        return f"[{self.n}] {self.title or self.doc_id} {what}"


def changed_sources(
    cited: Sequence[CitedVersion], current: Mapping[str, str]
) -> list[ChangedSource]:
    """Which cited versions no longer match `current` (doc id -> content hash of the index)."""
    out = []
    for version in cited:
        digest = current.get(version.doc_id)
        if digest is None or not digest.startswith(version.digest):
            out.append(ChangedSource(version.n, version.doc_id, version.title, digest is None))
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Answers shown and the votes on them, in one SQLite file."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)
            _migrate(db)
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

    def record_answer(self, answer: Answer, *, channel_id: int | None = None) -> str:
        """Store an answer that is about to be shown; return its id for the buttons."""
        answer_id = uuid.uuid4().hex
        chunk_ids = json.dumps([chunk for c in answer.citations for chunk in (c.chunk_id, *c.also)])
        cited = json.dumps([_cited(c.n, c.chunk_id, c.title) for c in answer.citations])
        latency = answer.timings_ms.get("total")
        with self._connect() as db:
            db.execute(
                f"INSERT INTO answers ({ANSWER_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL)",
                (answer_id, answer.question, answer.text, chunk_ids, answer.mode,
                 int(answer.refused), answer.as_of, _now(), channel_id, cited, latency),
            )  # fmt: skip
        return answer_id

    def attach_message(self, answer_id: str, channel_id: int, message_id: int) -> None:
        """Remember where an answer was posted (the message whose footer a stale flag edits)."""
        with self._connect() as db:
            db.execute(
                "UPDATE answers SET channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, answer_id),
            )

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        """One recorded answer, or None."""
        rows = self._answers("WHERE id = ?", (answer_id,))
        return rows[0] if rows else None

    def answers_since(self, since: dt.datetime) -> list[dict[str, Any]]:
        """Answers recorded since `since`, oldest first, each with its 👍/👎 counts."""
        return self._answers("WHERE created_at >= ? ORDER BY created_at, id", (_iso(since),))

    def answered_in(self, channel_id: int) -> bool:
        """True if an answer was already posted in this channel (a forum post is answered once)."""
        with self._connect() as db:
            row = db.execute("SELECT 1 FROM answers WHERE channel_id = ? LIMIT 1", (channel_id,))
            return row.fetchone() is not None

    def mark_stale(self, answer_id: str, note: str) -> None:
        """Record that the answer's footer now says its sources changed."""
        with self._connect() as db:
            db.execute(
                "UPDATE answers SET stale_at = ?, stale_note = ? WHERE id = ?",
                (_now(), note, answer_id),
            )

    def _answers(self, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                f"SELECT {ANSWER_COLUMNS},"
                " (SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = 'up') AS up,"
                " (SELECT COUNT(*) FROM votes v WHERE v.answer_id = a.id AND v.vote = 'down')"
                f" AS down FROM answers a {where}",
                params,
            ).fetchall()
        out = []
        for row in rows:
            item = dict(row)
            item["refused"] = bool(item["refused"])
            item["chunk_ids"] = json.loads(item["chunk_ids"])
            item["cited"] = [CitedVersion(**c) for c in json.loads(item["cited"] or "[]")]
            out.append(item)
        return out

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


def _cited(n: int, chunk: str, title: str) -> dict[str, Any]:
    doc_id, digest, _ = chunk.rsplit("::", 2) if chunk.count("::") >= 2 else (chunk, "", "")
    return {"n": n, "doc_id": doc_id, "digest": digest, "title": title}


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an older file up to SCHEMA_VERSION (adds columns; never drops data)."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version >= SCHEMA_VERSION:
        return
    present = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
    old_rows = int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
    for name, kind in V2_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE answers ADD COLUMN {name} {kind}")
    db.execute("CREATE INDEX IF NOT EXISTS answers_created ON answers (created_at)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if old_rows:
        log.info("feedback store migrated to schema %d (%d answers kept)", SCHEMA_VERSION, old_rows)


def feedback_path(settings: Settings) -> Path:
    """Where the feedback file lives: CITEBOT_FEEDBACK_DB, else beside the embedded store."""
    configured = settings.feedback_db
    return configured if configured is not None else settings.store / "feedback.sqlite3"


def cited_doc_ids(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every document the given answers cited."""
    return sorted({c.doc_id for row in rows for c in row["cited"]})


def stale_answers(
    rows: Sequence[dict[str, Any]], current: Mapping[str, str]
) -> list[tuple[dict[str, Any], list[ChangedSource]]]:
    """The answers (from `answers_since`) citing a version of a source the index no longer has."""
    out = []
    for row in rows:
        changed = changed_sources(row["cited"], current)
        if changed:
            out.append((row, changed))
    return out
