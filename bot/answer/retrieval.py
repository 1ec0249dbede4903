"""Find the passages that answer a question: dense (Chroma) + BM25, fused, dated, diversified.

`HybridRetriever` takes the top chunks from each side, fuses them with reciprocal rank fusion,
reweights them by publication date (see `bot.answer.fusion`), keeps only chunks of committed
document versions (`committed`), and takes them best-first with at most `per_doc` chunks per
article.
Each returned passage's `score` is its relevance, not its rank: the share of the question's key
terms (weighted by rarity) that the passage and its title contain. The refusal threshold reads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from bot.answer.answerability import Rarity
from bot.answer.fusion import DatePolicy, date_factor, is_time_relative, parse_date
from bot.answer.fusion import reciprocal_rank_fusion as rrf
from bot.answer.models import Passage
from bot.answer.text import key_terms, key_terms_many
from ingest.index.errors import StoreUnavailable
from ingest.index.language.rarity import background_weight, blended_weight
from ingest.index.lexical import LexicalIndex
from ingest.index.store import DocRecord, Store

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

Hit = tuple[str, float, str, dict[str, Any]]  # chunk id, score, text, chunk metadata
Mode = Literal["hybrid", "dense", "bm25"]


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


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """How the hybrid retriever ranks (the defaults are what the dev set supports)."""

    mode: Mode = "hybrid"
    depth: int = 50  # chunks taken from each side before fusion
    rrf_k: int = 60
    per_doc: int = 3  # at most this many chunks of one article (0: no limit)
    dates: DatePolicy | None = dataclasses.field(default_factory=DatePolicy)  # None: ignore


@contextlib.contextmanager
def _reading_store() -> Iterator[None]:
    """Turn a failed Chroma read on the question path into a message users can act on."""
    try:
        yield
    except Exception as exc:
        raise StoreUnavailable(
            f"The index could not be read ({type(exc).__name__}).",
            hint="Check that the store (or Chroma server) is up; try again in a moment.",
        ) from exc


class DenseRetriever:
    """Cosine similarity over the chunk embeddings in Chroma."""

    def __init__(self, store: Store, embedder: QueryEmbedder):
        self.store = store
        self.embedder = embedder

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector."""
        return np.asarray(self.embedder.embed([text])[0])

    def search(self, vector: np.ndarray, n: int) -> list[Hit]:
        """Raw nearest chunks: (chunk_id, cosine similarity, text, metadata)."""
        with _reading_store():
            got = self.store.chunks.query(
                query_embeddings=[vector.tolist()],
                n_results=n,
                include=["documents", "metadatas", "distances"],
            )
        return [
            (cid, 1.0 - float(dist), text or "", meta or {})
            for cid, dist, text, meta in zip(
                got["ids"][0],
                got["distances"][0],
                got["documents"][0],
                got["metadatas"][0],
                strict=True,
            )
        ]


class HybridRetriever(DenseRetriever):
    """Dense + BM25 over the same committed chunks, fused by rank, reweighted by date."""

    def __init__(
        self,
        store: Store,
        embedder: QueryEmbedder,
        *,
        lexical: Callable[[], LexicalIndex] | None = None,
        config: RetrievalConfig | None = None,
    ):
        self.config = config or RetrievalConfig()
        super().__init__(store, embedder)
        self._load_lexical = lexical
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    def lexical_index(self) -> LexicalIndex | None:
        """The BM25 index, reloaded whenever the store's generation has moved on."""
        if self._load_lexical is None:
            return None
        generation = self.store.generation()  # one small read: cheap enough for every query
        current = self._lexical
        if current is None or current.generation != generation:
            with self._lock:
                current = self._lexical
                if current is None or current.generation != generation:
                    current = self._lexical = self._load_lexical()
                    log.info("loaded the BM25 index at generation %d", current.generation)
        return current

    def term_weight(self, term: str) -> float:
        """Rarity (IDF) of a `key_terms` token in the index; 1.0 without a BM25 index."""
        index = self._lexical if self._lexical is not None else self.lexical_index()
        return index.term_weight(term) if index is not None else 1.0

    def rarity(self) -> Rarity:
        """How informative a question word is here: the index's IDF blended with background."""
        index = self._lexical if self._lexical is not None else self.lexical_index()
        if index is None:
            return lambda word, _stem: background_weight(word)
        size = len(index.chunk_ids)
        return lambda word, stem: blended_weight(word, stem, idf=index.term_weight, documents=size)

    def retrieve(self, query: Query, k: int) -> list[Passage]:
        """The top `k` passages, at most `per_doc` per document, best first."""
        return self.rank(query, k, per_doc=self.config.per_doc)

    def rank_documents(self, query: Query, n: int) -> list[str]:
        """The ids of the `n` best documents, best first (for evaluation)."""
        return [p.doc_id for p in self.rank(query, n, per_doc=1, relevance=False)]

    def rank(self, query: Query, k: int, *, per_doc: int, relevance: bool = True) -> list[Passage]:
        """Fuse, date, filter and diversify; scores become relevance unless `relevance=False`."""
        fused = self._fused(query)
        if not fused:
            return []
        passages = committed(self.store, fused)
        passages = self._dated(query, passages)
        taken = diversify(passages, k=k, per_doc=per_doc or len(passages))
        return self._with_relevance(query.text, taken) if relevance else taken

    def _fused(self, query: Query) -> list[Hit]:
        depth = self.config.depth
        dense: list[Hit] = []
        if self.config.mode != "bm25":
            dense = self.search(self.embed_query(query.text), n=depth)
        lexical: list[tuple[str, float]] = []
        index = self.lexical_index() if self.config.mode != "dense" else None
        if index is not None:
            lexical = index.search(query.text, depth)
        scores = rrf([[h[0] for h in dense], [cid for cid, _ in lexical]], k=self.config.rrf_k)
        known = {cid: (text, meta) for cid, _, text, meta in dense}
        missing = [cid for cid, _ in lexical if cid not in known]
        if missing:
            known.update(self._fetch(missing))
        return [
            (cid, score, *known[cid])
            for cid, score in sorted(scores.items(), key=lambda item: -item[1])
            if cid in known
        ]

    def _fetch(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        with _reading_store():
            got = self.store.chunks.get(ids=ids, include=["documents", "metadatas"])
        return {
            cid: (text or "", meta or {})
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    def _dated(self, query: Query, passages: list[Passage]) -> list[Passage]:
        policy = self.config.dates
        as_of = parse_date(query.as_of)
        if policy is None or as_of is None:
            return passages
        relative = is_time_relative(query.text)
        return [
            dataclasses.replace(
                p,
                score=p.score
                * date_factor(
                    parse_date(p.published_date), as_of, time_relative=relative, policy=policy
                ),
            )
            for p in passages
        ]

    def _with_relevance(self, question: str, passages: list[Passage]) -> list[Passage]:
        wanted = set(key_terms(question))
        if not wanted or not passages:
            return [dataclasses.replace(p, score=0.0) for p in passages]
        weights = {t: self.term_weight(t) for t in wanted}
        total = sum(weights.values())
        found = key_terms_many([f"{p.title}\n{p.text}" for p in passages])
        return [
            dataclasses.replace(p, score=sum(weights[t] for t in wanted & set(got)) / total)
            for p, got in zip(passages, found, strict=True)
        ]


def build_retriever(settings: Settings, store: Store, embedder: QueryEmbedder) -> HybridRetriever:
    """The retriever the settings describe, with the BM25 index saved beside the store."""
    from ingest.index.lexical import load_lexical_index

    config = RetrievalConfig(
        mode=settings.retrieval,
        depth=settings.retrieval_depth,
        rrf_k=settings.rrf_k,
        per_doc=settings.per_doc,
        dates=DatePolicy(recency_days=settings.recency_days) if settings.date_ranking else None,
    )
    return HybridRetriever(
        store, embedder, lexical=lambda: load_lexical_index(store, settings), config=config
    )


def committed(store: Store, hits: list[Hit]) -> list[Passage]:
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
                page=int(meta.get("page", 0)),
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
