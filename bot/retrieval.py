"""Find the passages that answer a question: dense search over Chroma, committed chunks only."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.models import Passage
from ingest.errors import StoreUnavailable
from ingest.store import DocRecord, Store

log = logging.getLogger(__name__)


class QueryEmbedder(Protocol):
    """What retrieval needs from an embedder."""

    model_id: str

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        """Embed texts."""
        ...


@dataclass(frozen=True, slots=True)
class Query:
    """A question as retrieval sees it."""

    text: str
    as_of: str = ""  # ISO date the question is asked


class DenseRetriever:
    """Cosine similarity over the chunk embeddings in Chroma."""

    def __init__(self, store: Store, embedder: QueryEmbedder, *, per_doc: int = 2):
        self.store = store
        self.embedder = embedder
        self.per_doc = per_doc

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector."""
        return self.embedder.embed([text])[0]

    def search(self, vector: np.ndarray, n: int) -> list[tuple[str, float, str, dict[str, Any]]]:
        """Raw nearest chunks: (chunk_id, cosine similarity, text, metadata)."""
        try:
            got = self.store.chunks.query(
                query_embeddings=[vector.tolist()],
                n_results=n,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise StoreUnavailable(
                f"The index could not be searched ({type(exc).__name__}).",
                hint="Check that the store (or Chroma server) is up; try again in a moment.",
            ) from exc
        return [
            (cid, 1.0 - float(dist), text or "", meta or {})
            for cid, dist, text, meta in zip(
                got["ids"][0], got["distances"][0], got["documents"][0], got["metadatas"][0],
                strict=True,
            )
        ]

    def retrieve(self, query: Query, k: int) -> list[Passage]:
        """The top `k` passages, at most `per_doc` per document, best first."""
        hits = self.search(self.embed_query(query.text), n=max(k * 4, 20))
        return diversify(committed(self.store, hits), k=k, per_doc=self.per_doc)


def committed(
    store: Store, hits: list[tuple[str, float, str, dict[str, Any]]]
) -> list[Passage]:
    """Keep hits whose chunk belongs to the committed version of its document."""
    doc_ids = sorted({str(meta.get("doc_id", "")) for _, _, _, meta in hits})
    records: dict[str, DocRecord] = store.records(doc_ids)
    passages = []
    for cid, score, text, meta in hits:
        record = records.get(str(meta.get("doc_id", "")))
        if record is None or not record.owns(cid):
            continue  # a version being replaced, or an orphan of an interrupted ingest
        passages.append(
            Passage(
                chunk_id=cid,
                doc_id=record.doc_id,
                text=text,
                title=record.title,
                url=record.url,
                published_date=record.published_date,
                source=record.source,
                path=record.path,
                start=int(meta.get("start", 0)),
                score=score,
            )
        )
    return passages


def diversify(passages: list[Passage], *, k: int, per_doc: int) -> list[Passage]:
    """Take passages best-first, at most `per_doc` from any one document."""
    taken: list[Passage] = []
    per: dict[str, int] = {}
    for passage in sorted(passages, key=lambda p: p.score, reverse=True):
        if per.get(passage.doc_id, 0) >= per_doc:
            continue
        per[passage.doc_id] = per.get(passage.doc_id, 0) + 1
        taken.append(passage)
        if len(taken) == k:
            break
    return taken
