"""Incremental, idempotent ingest: hash, diff, embed, write, prune.

Unchanged documents (same content hash, or a 304 from their server) are skipped without
re-embedding; changed ones get new chunks and then lose the old ones; with `prune`, documents whose
files are gone from the given paths (or whose entries are gone from a given feed or sitemap) are
removed. URLs are fetched on a background thread while the first pages embed. The whole run holds
the index's write lock, and every document is committed on its own (see `ingest.index.store`), so
an interrupted run leaves the previous or the new version of each document and nothing in between.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_document, content_hash, embedding_text
from ingest.index.corpus import ChunkText
from ingest.index.models import Chunk, Document, LoadResult
from ingest.index.sentence_vectors import SpanEmbedder, sentence_spans
from ingest.index.settings import IngestSettings
from ingest.index.store import DocRecord, Store, WriteItem, ingest_lock, open_store
from ingest.loaders import load_paths
from ingest.prune import prune_and_count as _prune
from ingest.reuse import embed_new, stored_vectors
from ingest.sources.crawl import WebOptions, is_url
from ingest.sources.guard import Resolver
from ingest.sources.load import load_urls, merge
from ingest.sources.stream import WebStream
from ingest.summary import EmbedderLike, IngestSummary, Progress
from ingest.writer import BatchWriter

__all__ = ["EmbedderLike", "IngestSummary", "Progress", "WebSources", "ingest"]

log = logging.getLogger(__name__)

DOCS_PER_BATCH = 64


# Called once the index changed, with the chunks this run wrote (id -> text, start), so the
# index snapshot is rebuilt from them (`ingest.index.snapshot.update_snapshot`).
AfterWrite = Callable[[Store, IngestSummary, Mapping[str, ChunkText]], object]


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
    pooling = isinstance(embedder, SpanEmbedder)  # it gives chunks sentence vectors
    files = [Path(p) for p in paths if not is_url(p)]
    urls = [str(p).strip() for p in paths if is_url(p)]
    loaded = load_paths(files, max_bytes=int(settings.max_file_mb * 1_000_000))
    web = web or WebSources()
    if urls and dry_run:  # load everything first; a real run fetches while it embeds
        existing = store or _open_if_exists(settings)
        known = set(existing.records()) if existing is not None else set()
        fetched, _ = load_urls(
            urls, settings=settings, known=known, options=web.options, resolve=web.resolve
        )
        loaded = merge(loaded, fetched)
    summary.skipped = loaded.skipped
    summary.timings["load"] = time.perf_counter() - started

    # Nothing to add and nothing to prune: read what is there, create nothing.
    read_only = dry_run or (not loaded.documents and not prune and not urls)
    t0 = time.perf_counter()
    if read_only and store is None:
        store = _open_if_exists(settings)
    elif store is None:
        store = open_store(settings, model_id=embedder.model_id)
    summary.timings["open"] = time.perf_counter() - t0  # mostly importing chromadb, once

    if read_only:
        records = store.records() if store is not None else {}
        _classify(loaded.documents, records, summary, pooling=pooling)
        _prune(loaded, records, summary, prune)
        summary.documents_total = len(records) + len(summary.added) - len(summary.removed)
        summary.seconds = time.perf_counter() - started
        return summary

    assert store is not None
    with ingest_lock(settings):
        records = store.records()
        stream = None
        if urls:
            stream = WebStream(
                urls,
                settings=settings,
                known=set(records),
                options=web.options,
                resolve=web.resolve,
            ).start()
        changing = _GenerationBump(store)
        try:
            todo = _classify(loaded.documents, records, summary, pooling=pooling)
            orphans = store.orphan_chunk_ids(records)
            if orphans:
                log.info("removing %d chunks left by an interrupted ingest", len(orphans))
                changing()
                store.delete_chunks(orphans)
                summary.orphans_removed = len(orphans)
            more = (
                ()
                if stream is None
                else _streamed(stream, loaded, records, summary, pooling=pooling)
            )
            written = _embed_and_write(
                todo, more, records, settings, embedder, store, summary, progress, changing
            )
        except BaseException:
            if stream is not None:
                stream.cancel()
            raise
        if stream is not None:
            summary.timings["load"] += stream.seconds
            loaded = merge(loaded, stream.result)
            summary.skipped = loaded.skipped
        _prune(loaded, records, summary, prune)
        if summary.removed:
            changing()
            store.delete_documents(records[d] for d in summary.removed)
        if summary.changed:
            store.bump_generation()
        if after_write is not None:
            t0 = time.perf_counter()
            after_write(store, summary, written)
            summary.timings["lexical"] = time.perf_counter() - t0
        summary.documents_total = store.count_documents()
        summary.chunks_total = store.count_chunks()
        if stream is not None:
            stream.cache.save()  # only now: a 304 next time must mean "the indexed copy is current"
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


class _GenerationBump:
    """Bump the store's generation once, before the first change (an unchanged run bumps none)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._done = False

    def __call__(self) -> None:
        if not self._done:
            self._store.bump_generation()
            self._done = True


def _streamed(
    stream: WebStream,
    files: LoadResult,
    records: dict[str, DocRecord],
    summary: IngestSummary,
    *,
    pooling: bool,
) -> Iterator[list[tuple[Document, str]]]:
    """Classify web documents as they arrive (a doc id already loaded from a file wins)."""
    taken = {d.doc_id for d in files.documents}
    for documents in stream.batches(DOCS_PER_BATCH):
        fresh = [d for d in documents if d.doc_id not in taken]
        taken.update(d.doc_id for d in fresh)
        todo = _classify(fresh, records, summary, pooling=pooling)
        if todo:
            yield todo


def _classify(
    documents: list[Document],
    records: dict[str, DocRecord],
    summary: IngestSummary,
    *,
    pooling: bool,
) -> list[tuple[Document, str]]:
    """The documents to embed: new, changed, and (when the embedder pools sentence vectors)
    unchanged ones stored without sentence vectors, which are embedded again once."""
    todo: list[tuple[Document, str]] = []
    for document in documents:
        digest = content_hash(document)
        old = records.get(document.doc_id)
        if old is None:
            summary.added.append(document.doc_id)
        elif old.content_hash == digest and (old.sentence_vectors or not pooling):
            summary.unchanged.append(document.doc_id)
            continue
        elif old.content_hash == digest:
            summary.upgraded.append(document.doc_id)
        else:
            summary.updated.append(document.doc_id)
        todo.append((document, digest))
    return todo


def _embed_and_write(
    todo: list[tuple[Document, str]],
    more: Iterable[list[tuple[Document, str]]],
    records: dict[str, DocRecord],
    settings: IngestSettings,
    embedder: EmbedderLike,
    store: Store,
    summary: IngestSummary,
    progress: Progress | None,
    before_write: Callable[[], None],
) -> dict[str, ChunkText]:
    """Embed and write `todo`, then each batch of `more` as it arrives (pages being fetched).

    Returns the chunks written (id -> text, start): the index snapshot is rebuilt from them.
    """
    t0 = time.perf_counter()
    planned = [_plan(document, digest, settings) for document, digest in todo]
    summary.timings["chunk"] = time.perf_counter() - t0
    if progress is not None:
        progress.start(sum(len(chunks) for _, _, chunks in planned))

    def later() -> Iterator[list[Planned]]:
        for batch in more:
            t1 = time.perf_counter()
            items = [_plan(document, digest, settings) for document, digest in batch]
            summary.timings["chunk"] += time.perf_counter() - t1
            if progress is not None:
                progress.grow(sum(len(chunks) for _, _, chunks in items))
            yield items

    now = (planned[i : i + DOCS_PER_BATCH] for i in range(0, len(planned), DOCS_PER_BATCH))
    embed_seconds = 0.0
    written: dict[str, ChunkText] = {}
    writer = BatchWriter(store, records, where=settings.where)
    try:
        for batch in itertools.chain(now, later()):
            pieces = [(doc, chunk) for doc, _, chunks in batch for chunk in chunks]
            texts = [embedding_text(doc, chunk) for doc, chunk in pieces]
            spans = [
                sentence_spans(c.text, len(t) - len(c.text))
                for (_, c), t in zip(pieces, texts, strict=True)
            ]
            t1 = time.perf_counter()
            known = stored_vectors(
                store, [records[d.doc_id] for d, _, _ in batch if d.doc_id in records]
            )
            embedded = embed_new(
                embedder, texts, spans, known, progress.advance if progress is not None else None
            )
            summary.chunks_reused += embedded.kept
            embed_seconds += time.perf_counter() - t1
            items = []
            offset = 0
            for document, digest, chunks in batch:
                end = offset + len(chunks)
                items.append(
                    WriteItem(
                        document,
                        digest,
                        chunks,
                        embedded.vectors[offset:end],
                        embedded.sentences[offset:end],
                    )
                )
                offset = end
            before_write()
            writer.put(items)
            summary.chunks_written += len(texts)
            written.update(
                (c.chunk_id, (c.text, c.start, c.page)) for _, _, cs in batch for c in cs
            )
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
    return written


Planned = tuple[Document, str, list[Chunk]]


def _plan(document: Document, digest: str, settings: IngestSettings) -> Planned:
    size, overlap = settings.chunk_size, settings.chunk_overlap
    return document, digest, chunk_document(document, size=size, overlap=overlap, digest=digest)
