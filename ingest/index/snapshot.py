"""One `IndexSnapshot` per store generation: records, chunk texts and BM25, built once.

Everything a question needs besides the vector search is in the snapshot: the committed document
records (so the count of documents), every committed chunk's text and start, and the BM25 index
with its chunk ids. Ingest builds it after every change (from the chunks it just wrote and the
previous snapshot's texts and BM25 tokens, so only the new chunks are tokenised; Chroma is read
only for texts neither holds) and saves it atomically
beside the store (a new folder, then a rename). While an ingest runs, every commit moves the
generation, so readers rebuild theirs (reusing the saved texts) and see each committed batch.

The saved snapshot carries the store's generation and the document collection's id (a recreated
collection counts from zero again); a reader that finds a different one (an interrupted ingest,
another machine's ingest into a shared Chroma server) builds it afresh instead of trusting it.
In server mode the copy lives in the local cache folder, so each bot process rebuilds once when
the server's index changes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest.index.corpus import ChunkCorpus, ChunkText, committed_corpus
from ingest.index.lexical import (
    LexicalIndex,
    build_lexical_index,
    load_bm25,
    save_bm25,
    tokenizer,
)
from ingest.index.models import DocRecord, parse_chunk_id, titled
from ingest.index.settings import IngestSettings
from ingest.index.store import Store

log = logging.getLogger(__name__)

FORMAT = 3
META, RECORDS = "citebot.json", "records.json"
Written = Mapping[str, ChunkText]  # the chunks an ingest wrote: id -> (text, start, page)
QUIET_NS = 1_000_000_000  # a database file unchanged this long has no write in flight


@dataclass(frozen=True)
class IndexSnapshot:
    """What every question reads at one store generation."""

    generation: int
    collection_id: str  # the document collection's id: new whenever it is recreated
    records: Mapping[str, DocRecord]
    corpus: ChunkCorpus
    lexical: LexicalIndex

    @property
    def document_count(self) -> int:
        """How many documents the index holds."""
        return len(self.records)

    @property
    def chunk_ids(self) -> list[str]:
        """The committed chunks, sorted (the BM25 index's order)."""
        return self.corpus.ids

    def current_for(self, store: Store, generation: int) -> bool:
        """True if this snapshot describes `store` at `generation`."""
        return self.generation == generation and self.collection_id == collection_id(store)


def collection_id(store: Store) -> str:
    """The id Chroma gave the store's document collection (new whenever it is recreated)."""
    return str(store.docs.id)


def snapshot_dir(settings: IngestSettings) -> Path:
    """Where the snapshot is saved."""
    if settings.chroma_host:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citebot"
        return base / f"bm25-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return settings.store / f"{settings.collection}.bm25"


def build_snapshot(
    store: Store,
    generation: int | None = None,
    *,
    fresh: Mapping[str, ChunkText] | None = None,
    previous: IndexSnapshot | None = None,
) -> IndexSnapshot:
    """Build the snapshot of the committed index, reusing the texts `fresh` and `previous` hold."""
    generation = store.generation() if generation is None else generation
    if previous is not None and previous.collection_id != collection_id(store):
        previous = None  # a recreated collection: the old chunk texts prove nothing
    records = store.records()
    corpus = committed_corpus(
        store, records, fresh=fresh, previous=previous.corpus if previous is not None else None
    )

    def text(position: int) -> str:
        return titled(records[parse_chunk_id(corpus.ids[position])[0]].title, corpus.text(position))

    lexical = build_lexical_index(
        corpus.ids, text, previous=previous.lexical if previous is not None else None
    )
    return IndexSnapshot(generation, collection_id(store), records, corpus, lexical)


def save_snapshot(snapshot: IndexSnapshot, directory: Path) -> None:
    """Save atomically: write a sibling temp folder, then swap it in with renames."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temp_folders(directory)
    prefix = f"{directory.name}.tmp-{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=directory.parent))
    try:
        save_bm25(snapshot.lexical, tmp)
        snapshot.corpus.save(tmp)
        records = {doc_id: r.to_chroma() for doc_id, r in snapshot.records.items()}
        (tmp / RECORDS).write_text(json.dumps(records))
        meta = {
            "format": FORMAT,
            "generation": snapshot.generation,
            "collection_id": snapshot.collection_id,
            "chunk_ids": snapshot.chunk_ids,
            "tokenizer": tokenizer(),
        }
        (tmp / META).write_text(json.dumps(meta))
        old = directory.with_name(directory.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _remove_dead_temp_folders(directory: Path) -> None:
    """Delete temp folders left by saves that were killed (their process is gone)."""
    for leftover in directory.parent.glob(f"{directory.name}.tmp-*-*"):
        pid = leftover.name.removeprefix(f"{directory.name}.tmp-").split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except (ValueError, PermissionError):
            continue  # not ours, or another user's live process


def read_saved(directory: Path) -> IndexSnapshot | None:
    """Load a saved snapshot, or None if it is missing, unreadable or of an older format."""
    if not directory.exists():
        old = directory.with_name(directory.name + ".old")
        if not old.exists():
            return None
        directory = old  # a crash between the two renames leaves the previous copy here
    try:
        meta = json.loads((directory / META).read_text())
        if meta.get("format") != FORMAT:
            return None
        ids = list(meta["chunk_ids"])
        saved = json.loads((directory / RECORDS).read_text())
        records = {doc_id: DocRecord.from_chroma(doc_id, m) for doc_id, m in saved.items()}
        return IndexSnapshot(
            int(meta["generation"]),
            str(meta.get("collection_id", "")),
            records,
            ChunkCorpus.load(directory, ids),
            load_bm25(directory, ids, saved_by=str(meta.get("tokenizer", ""))),
        )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable index snapshot at %s: %s", directory, exc)
        return None


def update_snapshot(
    store: Store, settings: IngestSettings, fresh: Mapping[str, ChunkText] | None = None
) -> IndexSnapshot:
    """Ingest: rebuild and save the snapshot unless the saved one is current (save must work).

    `fresh` holds the chunks this ingest wrote, so only unchanged documents' texts are reused
    from the saved snapshot.
    """
    return _current_or_rebuilt(store, settings, writer=True, fresh=fresh)


def load_snapshot(store: Store, settings: IngestSettings) -> IndexSnapshot:
    """Readers: the saved snapshot if current, else rebuilt (and saved if the folder allows)."""
    return _current_or_rebuilt(store, settings, writer=False)


def _current_or_rebuilt(
    store: Store,
    settings: IngestSettings,
    *,
    writer: bool,
    fresh: Mapping[str, ChunkText] | None = None,
) -> IndexSnapshot:
    generation = store.generation()
    directory = snapshot_dir(settings)
    saved = read_saved(directory)
    # A reader may use the previous copy a crash left between the two renames; ingest replaces it.
    usable = saved is not None and (not writer or directory.exists())
    if usable and saved is not None and saved.current_for(store, generation):
        return saved
    log.info("index snapshot is stale or missing; rebuilding it")
    # A stale snapshot's texts are still right for every chunk id it shares with the store.
    snapshot = build_snapshot(store, generation, fresh=fresh, previous=saved)
    try:
        save_snapshot(snapshot, directory)
    except OSError as exc:
        if writer:
            raise
        log.warning("could not save the rebuilt index snapshot: %s", exc)  # still searchable
        return snapshot
    # A long-running reader keeps the saved copy: its texts stay on disk behind a memory map.
    return snapshot if writer else read_saved(directory) or snapshot


class Snapshots:
    """The read side's current snapshot of a store, loaded again only when its generation moves.

    Reading the generation is a Chroma call; for an embedded store it is skipped while the
    store's database file is unchanged since a read that found it quiet (no write for a second,
    so a write in the same clock tick cannot hide behind an equal timestamp).
    """

    def __init__(self, store: Store, settings: IngestSettings):
        self.store = store
        self.settings = settings
        self._snapshot: IndexSnapshot | None = None
        self._quiet: tuple[tuple[int, ...], int] | None = None  # (files' state, generation)
        self._lock = threading.Lock()

    def current(self) -> IndexSnapshot:
        """The snapshot of the store's current generation."""
        generation = self._generation()
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != generation:
            with self._lock:
                snapshot = self._snapshot
                if snapshot is None or snapshot.generation != generation:
                    snapshot = self._snapshot = load_snapshot(self.store, self.settings)
                    log.info("loaded the index snapshot at generation %d", snapshot.generation)
        return snapshot

    def _generation(self) -> int:
        files = None if self.store.server else _database_state(self.settings.store)
        quiet = self._quiet
        if files is not None and quiet is not None and quiet[0] == files:
            return quiet[1]
        generation = self.store.generation()
        settled = files is not None and max(files[0::3]) < time.time_ns() - QUIET_NS
        self._quiet = (files, generation) if files is not None and settled else None
        return generation


def _database_state(folder: Path) -> tuple[int, ...] | None:
    """(mtime, size, inode) of the embedded store's SQLite files, or None without them."""
    state: list[int] = []
    for name in ("chroma.sqlite3", "chroma.sqlite3-wal", "chroma.sqlite3-journal"):
        try:
            info = (folder / name).stat()
        except FileNotFoundError:
            if not state:
                return None
            continue
        state.extend((info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(state)


def snapshot_hook(settings: IngestSettings) -> Callable[[Store, object, Written], IndexSnapshot]:
    """The ingest `after_write` hook that keeps the saved snapshot in step with the index."""
    return lambda store, _summary, written: update_snapshot(store, settings, written)
