"""The Chroma schema: a chunk collection and a document-record collection.

`<collection>` holds one entry per chunk: its embedding, its text and the metadata below. Its
collection metadata records the embedding model, so mixing vector spaces is refused.

`<collection>-docs` holds one record per document (content hash, chunk count, title, url, date).
A document's record is its commit point: ingest writes the new chunks first, then the record, then
deletes the previous version's chunks. Chunk ids embed the content hash (`doc::hash::index`), so a
reader keeps only chunks whose hash matches the record and never sees half of a document, and an
interrupted ingest leaves only orphans that the next ingest removes.

The document collection's metadata holds a generation counter, bumped when an ingest starts, at
every commit (a batch of records written or removed) and when it ends: readers keep what they
derive from the index (`ingest.index.snapshot`) until it moves.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ingest.index.chroma import (
    DOCS_SUFFIX,
    is_not_found,
    library_errors,
    make_client,
    pages,
    reopen_embedded,
    reopen_errors,
    server_read,
    translate,
)
from ingest.index.errors import EmptyIndex, ModelMismatch
from ingest.index.locking import ingest_lock
from ingest.index.models import Chunk, DocRecord, Document, parse_chunk_id
from ingest.index.sentence_vectors import META_KEY
from ingest.index.settings import IngestSettings

__all__ = ["DocRecord", "Store", "ingest_lock", "make_client", "open_store"]

log = logging.getLogger(__name__)

WRITE_BATCH = 2000
# How many neighbours the vector index explores per search. Chroma's default, 100, returned the
# exact 50 nearest chunks for 70% of 220 questions on the 4,916-chunk evaluation corpus, and which
# ones it missed changed from one process to the next (the same question found another fifth
# passage after a restart); 500 returned them for 219 of 220, in the same time there.
EF_SEARCH = 500
_NO_VECTOR = [1.0]  # document records are looked up by id, never by similarity


class WriteItem(NamedTuple):
    """One document version to write: its chunks, their vectors and their sentence vectors
    (`ingest.index.sentence_vectors`, encoded; empty when the embedder gives none)."""

    document: Document
    digest: str
    chunks: list[Chunk]
    vectors: np.ndarray
    sentences: Sequence[str] = ()


Reopen = Callable[[], tuple[Any, Any, Any]]


class Store:
    """One citebot index: the chunk collection plus the document records."""

    def __init__(
        self,
        client: Any,
        name: str,
        chunks: Any,
        docs: Any,
        *,
        reopen: Reopen | None = None,
        server: str = "",
    ):
        self.client = client
        self.name = name
        self.chunks = chunks
        self.docs = docs
        self._reopen = reopen
        self.server = server  # "host:port" of the Chroma server, "" for an embedded store
        self._seen_generation: int | None = None
        self._reopen_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """The embedding model the chunks were embedded with."""
        return str((self.chunks.metadata or {}).get("embedding_model", ""))

    # -- reading -------------------------------------------------------------------------------

    @server_read
    def count_documents(self) -> int:
        """Number of documents in the index."""
        return int(self.docs.count())

    @server_read
    def count_chunks(self) -> int:
        """Number of chunk entries (including orphans awaiting clean-up)."""
        return int(self.chunks.count())

    @server_read
    def records(self, ids: Sequence[str] | None = None) -> dict[str, DocRecord]:
        """Document records, all of them or those with the given ids."""
        out: dict[str, DocRecord] = {}
        if ids is not None and not ids:
            return out
        for got in pages(self.docs, ["metadatas"], ids=ids, size=WRITE_BATCH):
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[doc_id] = DocRecord.from_chroma(doc_id, meta or {})
        return out

    @server_read
    def all_chunk_ids(self) -> list[str]:
        """Every chunk id in the collection."""
        return [cid for got in pages(self.chunks, []) for cid in got["ids"]]

    @server_read
    def generation(self) -> int:
        """A counter bumped whenever an ingest starts, commits or finishes changing the index."""
        fresh = self.client.get_collection(self.docs.name)
        generation = int((fresh.metadata or {}).get("generation", 0))
        if self._reopen is not None:
            self._follow(generation)
        return generation

    def _follow(self, generation: int) -> None:
        """Reload an embedded index that an ingest changed since we last looked.

        Chroma keeps an embedded store's vector index in memory per process and never sees
        vectors another process (`citebot ingest`) adds later: without this, a running bot's
        vector search would keep returning only what it loaded at start.
        """
        if self._seen_generation is None:
            self._seen_generation = generation
        if generation == self._seen_generation:
            return
        with self._reopen_lock:
            if generation == self._seen_generation or self._reopen is None:
                return
            try:
                self.client, self.chunks, self.docs = self._reopen()
                log.info("reloaded the index at generation %d", generation)
            except reopen_errors() as exc:
                log.warning(
                    "could not reload the changed index (%s); vector search may miss new "
                    "documents until citebot restarts",
                    type(exc).__name__,
                )
            self._seen_generation = generation

    # -- writing -------------------------------------------------------------------------------

    def bump_generation(self) -> int:
        """Mark the index as changed (derived indexes compare this to know they are stale)."""
        fresh = self.client.get_collection(self.docs.name)
        meta = dict(fresh.metadata or {})
        meta["generation"] = int(meta.get("generation", 0)) + 1
        fresh.modify(metadata=meta)
        return int(meta["generation"])

    def write_documents(
        self,
        items: Sequence[WriteItem],
        previous: dict[str, DocRecord],
    ) -> None:
        """Write new versions: chunks, then records (the commit), then the old chunks go."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for document, digest, chunks, embeddings, sentences in items:
            base = document.meta.to_chroma()
            for n, (chunk, vector) in enumerate(zip(chunks, embeddings, strict=True)):
                ids.append(chunk.chunk_id)
                texts.append(chunk.text)
                metas.append(
                    {
                        **base,
                        "chunk_index": chunk.index,
                        "start": chunk.start,
                        "end": chunk.end,
                        "content_hash": digest,
                        **({"page": chunk.page} if chunk.page else {}),
                        **({META_KEY: sentences[n]} if n < len(sentences) and sentences[n] else {}),
                    }
                )
                vectors.append(vector)
        for start in range(0, len(ids), WRITE_BATCH):
            end = start + WRITE_BATCH
            self.chunks.upsert(
                ids=ids[start:end],
                documents=texts[start:end],
                metadatas=metas[start:end],
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
            )
        records = [
            DocRecord(
                document.meta,
                content_hash=digest,
                n_chunks=len(chunks),
                sentence_vectors=len(sentences) == len(chunks) and all(sentences),
            )
            for document, digest, chunks, _, sentences in items
        ]
        if records:
            self.docs.upsert(
                ids=[r.doc_id for r in records],
                metadatas=[r.to_chroma() for r in records],
                embeddings=[_NO_VECTOR] * len(records),
            )
            self.bump_generation()  # readers see the committed batch from the next question on
        stale = [
            cid
            for r in records
            if (old := previous.get(r.doc_id)) is not None and old.content_hash != r.content_hash
            for cid in old.chunk_ids
        ]
        self.delete_chunks(stale)

    def delete_documents(self, records: Iterable[DocRecord]) -> None:
        """Remove documents: the record first (readers stop seeing it), then its chunks."""
        records = list(records)
        if not records:
            return
        self.docs.delete(ids=[r.doc_id for r in records])
        self.bump_generation()
        self.delete_chunks([cid for r in records for cid in r.chunk_ids])

    def delete_chunks(self, ids: Sequence[str]) -> None:
        """Delete chunk entries by id, in batches."""
        for start in range(0, len(ids), WRITE_BATCH):
            self.chunks.delete(ids=list(ids[start : start + WRITE_BATCH]))

    def orphan_chunk_ids(self, records: dict[str, DocRecord]) -> list[str]:
        """Chunks that belong to no committed document version (left by an interrupted ingest)."""
        orphans = []
        for cid in self.all_chunk_ids():
            try:
                doc_id, _, _ = parse_chunk_id(cid)
            except ValueError:
                orphans.append(cid)
                continue
            record = records.get(doc_id)
            if record is None or not record.owns(cid):
                orphans.append(cid)
        return orphans


def _search_wider(chunks: Any) -> None:
    """Give a collection made before `EF_SEARCH` its wider search (on the write side only). An
    embedded store searches with it from the next time it is opened; a Chroma server may need a
    restart to reload the index."""
    # the stored form: reading `.configuration` warns about legacy embedding-function configs
    hnsw = (getattr(chunks, "configuration_json", None) or {}).get("hnsw") or {}
    if (hnsw.get("ef_search") or EF_SEARCH) < EF_SEARCH:
        chunks.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})


def open_store(
    settings: IngestSettings, *, model_id: str | None = None, client: Any = None
) -> Store:
    """Open the index. With `model_id`, create it if needed and refuse a different model.

    Without `model_id` (the read side), a missing collection raises `EmptyIndex`.
    """
    name = settings.collection
    if (
        client is None
        and model_id is None
        and not settings.chroma_host
        and not settings.store.exists()
    ):
        # Reading must not create an empty store folder as a side effect.
        raise EmptyIndex(f"Nothing has been ingested into {settings.store} yet.")
    own_client = client is None
    client = client if client is not None else make_client(settings)
    try:
        if model_id is None:
            try:
                chunks = client.get_collection(name)
                docs = client.get_collection(name + DOCS_SUFFIX)
            except library_errors() as exc:
                if is_not_found(exc):
                    raise EmptyIndex(
                        f"Nothing has been ingested into collection {name!r} yet."
                    ) from None
                raise
        else:
            chunks = client.get_or_create_collection(
                name,
                metadata={"embedding_model": model_id},
                configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
                embedding_function=None,
            )
            docs = client.get_or_create_collection(
                name + DOCS_SUFFIX, metadata={"generation": 0}, embedding_function=None
            )
    except library_errors() as exc:
        raise translate(exc, settings) from None
    reopen = None
    if model_id is None and own_client and not settings.chroma_host:
        reopen = functools.partial(reopen_embedded, settings, name)
    server = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else ""
    store = Store(client, name, chunks, docs, reopen=reopen, server=server)
    if model_id is not None and store.model_id and store.model_id != model_id:
        raise ModelMismatch(
            f"Collection {name!r} was built with the embedding model {store.model_id!r}, "
            f"but this ingest uses {model_id!r}.",
            hint="Use the same CITEBOT_EMBEDDINGS setting, or pick a new CITEBOT_COLLECTION "
            "(or delete the old one) to re-index with the new model.",
        )
    if model_id is not None:
        try:
            _search_wider(chunks)
        except library_errors() as exc:
            raise translate(exc, settings) from None
    return store
