"""Incremental, idempotent ingest: hash, diff, embed, write, prune.

Unchanged documents (same content hash) are skipped without re-embedding; changed ones get new
chunks and then lose the old ones; with `prune`, documents whose files are gone from the given
paths are removed. The whole run holds the index's write lock, and every document is committed on
its own (see `ingest.index.store`), so an interrupted run leaves the previous or the new version
of each document and nothing in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.chunking import chunk_document, content_hash, embedding_text
from ingest.index.models import Chunk, Document, LoadResult, Skipped
from ingest.index.settings import IngestSettings
from ingest.index.store import DocRecord, Store, ingest_lock, open_store
from ingest.loaders import load_paths
from ingest.sources.crawl import WebOptions, is_url
from ingest.sources.guard import Resolver
from ingest.sources.load import load_urls, merge
from ingest.writer import BatchWriter

log = logging.getLogger(__name__)

DOCS_PER_BATCH = 64


class EmbedderLike(Protocol):
    """What ingest needs from an embedder."""

    model_id: str

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed texts."""
        ...


class Progress(Protocol):
    """Progress reporting hooks (the CLI binds these to a rich progress bar)."""

    def start(self, total_chunks: int) -> None:
        """Embedding is about to start on `total_chunks` chunks."""

    def advance(self, chunks: int) -> None:
        """`chunks` more chunks are embedded."""


@dataclass
class IngestSummary:
    """What an ingest did (or, with `dry_run`, would do)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_written: int = 0
    orphans_removed: int = 0
    documents_total: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """True if the index was (or would be) modified."""
        return bool(self.added or self.updated or self.removed or self.orphans_removed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with counts next to the id lists."""
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        data["counts"] = {
            key: len(getattr(self, key))
            for key in ("added", "updated", "unchanged", "removed", "skipped")
        }
        return data


AfterWrite = Callable[[Store, IngestSummary], object]


@dataclass(frozen=True)
class WebSources:
    """Per-URL options (from a sources file) and the DNS resolver the SSRF guard uses."""

    options: Mapping[str, WebOptions] = field(default_factory=dict)
    resolve: Resolver | None = None


def ingest(
    paths: Sequence[Path | str],
    *,
    settings: IngestSettings,
    embedder: EmbedderLike,
    prune: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    after_write: AfterWrite | None = None,
    store: Store | None = None,
    web: WebSources | None = None,
) -> IngestSummary:
    """Bring the index in line with the articles under `paths` (files, folders or URLs)."""
    started = time.perf_counter()
    summary = IngestSummary(dry_run=dry_run)
    files = [Path(p) for p in paths if not is_url(p)]
    urls = [str(p).strip() for p in paths if is_url(p)]
    loaded = load_paths(files, max_bytes=int(settings.max_file_mb * 1_000_000))
    validators = None
    if urls:
        web = web or WebSources()
        existing = store or _open_if_exists(settings)
        known = set(existing.records()) if existing is not None else set()
        fetched, validators = load_urls(
            urls, settings=settings, known=known, options=web.options, resolve=web.resolve
        )
        loaded = merge(loaded, fetched)
    summary.skipped = loaded.skipped
    summary.timings["load"] = time.perf_counter() - started

    # Nothing to add and nothing to prune: read what is there, create nothing.
    read_only = dry_run or (not loaded.documents and not prune and not loaded.unchanged)
    if read_only and store is None:
        store = _open_if_exists(settings)
    elif store is None:
        store = open_store(settings, model_id=embedder.model_id)

    if read_only:
        records = store.records() if store is not None else {}
        _classify(loaded, records, summary, prune)
        summary.documents_total = len(records) + len(summary.added) - len(summary.removed)
        summary.seconds = time.perf_counter() - started
        return summary

    assert store is not None
    with ingest_lock(settings):
        records = store.records()
        todo = _classify(loaded, records, summary, prune)
        orphans = store.orphan_chunk_ids(records)
        if todo or summary.removed or orphans:
            store.bump_generation()
        if orphans:
            log.info("removing %d chunks left by an interrupted ingest", len(orphans))
            store.delete_chunks(orphans)
            summary.orphans_removed = len(orphans)
        store.delete_documents(records[d] for d in summary.removed)
        _embed_and_write(todo, records, settings, embedder, store, summary, progress)
        if summary.changed:
            store.bump_generation()
        if after_write is not None:
            t0 = time.perf_counter()
            after_write(store, summary)
            summary.timings["lexical"] = time.perf_counter() - t0
        summary.documents_total = store.count_documents()
        summary.chunks_total = store.count_chunks()
        if validators is not None:
            validators.save()  # only now: a 304 next time must mean "the indexed copy is current"
    summary.seconds = time.perf_counter() - started
    return summary


def _open_if_exists(settings: IngestSettings) -> Store | None:
    from ingest.index.errors import EmptyIndex

    if not settings.uses_server and not settings.store.exists():
        return None  # a dry run creates nothing, not even the store folder
    try:
        return open_store(settings)
    except EmptyIndex:
        return None


def _classify(
    loaded: LoadResult, records: dict[str, DocRecord], summary: IngestSummary, prune: bool
) -> list[tuple[Document, str]]:
    todo: list[tuple[Document, str]] = []
    for doc_id in dict.fromkeys(loaded.unchanged):
        if doc_id in records:
            summary.unchanged.append(doc_id)
        else:  # deleted from the index since the fetch started: the next run fetches it whole
            summary.skipped.append(Skipped(doc_id, "unchanged (HTTP 304) but no longer indexed"))
    for document in loaded.documents:
        digest = content_hash(document)
        old = records.get(document.doc_id)
        if old is None:
            summary.added.append(document.doc_id)
        elif old.content_hash == digest:
            summary.unchanged.append(document.doc_id)
            continue
        else:
            summary.updated.append(document.doc_id)
        todo.append((document, digest))
    if prune:
        present = {d.doc_id for d in loaded.documents} | set(loaded.unchanged) | set(loaded.kept)
        # A file that could not be read this time, or that sits in a folder that could not be
        # listed, keeps its document: a transient read error must not delete data.
        skipped = [s.where for s in loaded.skipped if not is_url(s.where)]
        unreadable = [Path(w.rsplit(":", 1)[0] if ".jsonl:" in w else w) for w in skipped]
        failed = {s.where for s in loaded.skipped}
        roots = loaded.roots
        for record in records.values():
            if is_url(record.path):  # a web document: pruned only by the URL it came from
                gone = record.doc_id not in present and record.path not in failed
                if gone and record.path in loaded.web_roots:
                    summary.removed.append(record.doc_id)
                continue
            source_file = record.path.rsplit(":", 1)[0] if ".jsonl:" in record.path else record.path
            if (
                record.doc_id not in present
                and _under_any(source_file, roots)
                and not _under_any(source_file, unreadable)
            ):
                summary.removed.append(record.doc_id)
    return todo


def _under_any(path: str, roots: list[Path]) -> bool:
    if not path:
        return False
    target = Path(path).resolve()
    for root in roots:
        base = root.resolve()
        if target == base or base in target.parents:
            return True
    return False


def _embed_and_write(
    todo: list[tuple[Document, str]],
    records: dict[str, DocRecord],
    settings: IngestSettings,
    embedder: EmbedderLike,
    store: Store,
    summary: IngestSummary,
    progress: Progress | None,
) -> None:
    t0 = time.perf_counter()
    planned: list[tuple[Document, str, list[Chunk]]] = [
        (
            document,
            digest,
            chunk_document(
                document, size=settings.chunk_size, overlap=settings.chunk_overlap, digest=digest
            ),
        )
        for document, digest in todo
    ]
    summary.timings["chunk"] = time.perf_counter() - t0
    total = sum(len(chunks) for _, _, chunks in planned)
    if progress is not None:
        progress.start(total)
    embed_seconds = 0.0
    writer = BatchWriter(store, records, where=settings.where)
    try:
        for start in range(0, len(planned), DOCS_PER_BATCH):
            batch = planned[start : start + DOCS_PER_BATCH]
            texts = [embedding_text(doc, chunk) for doc, _, chunks in batch for chunk in chunks]
            t1 = time.perf_counter()
            vectors = embedder.embed(texts, progress.advance if progress is not None else None)
            embed_seconds += time.perf_counter() - t1
            items = []
            offset = 0
            for document, digest, chunks in batch:
                items.append((document, digest, chunks, vectors[offset : offset + len(chunks)]))
                offset += len(chunks)
            writer.put(items)
            summary.chunks_written += len(texts)
    except BaseException:
        # Let the batches already embedded commit (an interrupt keeps finished documents), but
        # report the error that stopped us, not a later one from the writer.
        writer.close(raise_error=False)
        raise
    t2 = time.perf_counter()
    writer.close()
    summary.timings["embed"] = embed_seconds
    summary.timings["write"] = writer.busy_seconds
    summary.timings["write_wait"] = time.perf_counter() - t2
