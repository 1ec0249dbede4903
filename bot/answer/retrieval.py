"""Find the passages that answer a question: dense (Chroma) + BM25, fused, dated, diversified.

`HybridRetriever` takes the top chunks from each side, fuses them with reciprocal rank fusion,
keeps only chunks of the committed document versions in the index snapshot (`committed`),
reweights them by publication date (see `bot.answer.fusion`), and takes them best-first with at
most `per_doc` chunks per article.
Each returned passage's `score` is its relevance, not its rank: the share of the question's key
terms (weighted by rarity) that the passage and its title contain. The refusal threshold reads it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from bot.answer.answerability import Rarity
from bot.answer.fusion import DatePolicy, date_factor, is_time_relative, parse_date
from bot.answer.fusion import reciprocal_rank_fusion as rrf
from bot.answer.models import Passage
from bot.answer.text import key_terms, key_terms_many
from bot.settings import DEFAULTS, Settings
from ingest.index.chroma import library_errors
from ingest.index.errors import StoreUnavailable
from ingest.index.language.rarity import blended_weight
from ingest.index.language.tokens import without_chat_words
from ingest.index.models import chunk_id, parse_chunk_id, titled
from ingest.index.sentence_vectors import META_KEY, decode
from ingest.index.snapshot import IndexSnapshot, Snapshots
from ingest.index.store import Store

Scored = tuple[str, float]  # chunk id, score
QUERY_VECTORS = 8
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
    """How the hybrid retriever ranks (the defaults are the settings')."""

    mode: Mode = DEFAULTS["retrieval"]
    depth: int = DEFAULTS["retrieval_depth"]  # chunks taken from each side before fusion
    rrf_k: int = DEFAULTS["rrf_k"]
    per_doc: int = DEFAULTS["per_doc"]  # at most this many chunks of one article (0: all)
    dates: DatePolicy | None = dataclasses.field(default_factory=DatePolicy)  # None: ignore

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalConfig:
        """The ranking the settings describe."""
        dates = DatePolicy(recency_days=settings.recency_days) if settings.date_ranking else None
        s = settings
        return cls(s.retrieval, s.retrieval_depth, s.rrf_k, s.per_doc, dates)


class Retriever(Protocol):
    """What answering needs from retrieval: passages, term rarity, counts, a document ranking."""

    def retrieve(self, query: Query, k: int) -> list[Passage]:
        """The top `k` passages."""
        ...

    def rarity(self) -> Rarity:
        """How informative a word is in this index (0..1)."""
        ...

    def document_count(self) -> int:
        """How many documents the index holds."""
        ...

    def rank_documents(self, query: Query, n: int) -> list[str]:
        """The ids of the `n` best documents, best first (evaluation scores this ranking)."""
        ...

    def newest(self, n: int, as_of: str = "") -> list[Passage]:
        """The opening passage of each of the `n` most recently published documents."""
        ...

    def following(self, passage: Passage) -> Passage | None:
        """The passage after `passage` in its document (None after the last one)."""
        ...

    def passage(self, chunk: str) -> Passage | None:
        """The committed passage `chunk`, an id (None once its document version was replaced)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """The question's vector (the search's own, when it has just embedded it)."""
        ...

    def sentence_vectors(self, chunk_ids: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        """The sentence vectors stored with these chunks, by chunk id."""
        ...


@contextlib.contextmanager
def _reading_store() -> Iterator[None]:
    """Turn a failed Chroma read on the question path into a message users can act on."""
    try:
        yield
    except library_errors() as exc:
        raise StoreUnavailable(
            f"The index could not be read ({type(exc).__name__}).",
            hint="Check that the store (or Chroma server) is up; try again in a moment.",
        ) from exc


class SnapshotSource(Protocol):
    """Where the retriever gets the index snapshot of the store's current generation."""

    def current(self) -> IndexSnapshot:
        """The current snapshot."""
        ...


class HybridRetriever:
    """Dense (Chroma) + BM25 over the same committed chunks, fused by rank, reweighted by date.

    Retrieval makes one Chroma call, the vector search (ids and distances only); the document
    records, chunk texts, BM25 and document count come from the snapshot. The offline answerer
    makes one more, for the retrieved chunks' stored sentence vectors (`sentence_vectors`).
    """

    def __init__(
        self,
        store: Store,
        embedder: QueryEmbedder,
        *,
        snapshots: SnapshotSource,
        config: RetrievalConfig | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.snapshots = snapshots
        self.config = config or RetrievalConfig()
        self._latest: IndexSnapshot | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # the last questions'
        self._lock = threading.Lock()

    def snapshot(self) -> IndexSnapshot:
        """The index snapshot of the store's current generation."""
        with _reading_store():
            self._latest = self.snapshots.current()
        return self._latest

    def _recent(self) -> IndexSnapshot:
        # What the question just retrieved from: no second generation read for the same answer.
        return self._latest if self._latest is not None else self.snapshot()

    def document_count(self) -> int:
        """How many documents the index holds."""
        return self._recent().document_count

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of the query as it is searched, without its chat words (kept for the last
        few questions: the answerer compares it with the retrieved sentences right after the
        search)."""
        with self._lock:
            if (known := self._vectors.get(text)) is not None:
                return known
        vector = np.asarray(self.embedder.embed([without_chat_words(text)])[0])
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > QUERY_VECTORS:
                self._vectors.popitem(last=False)
        return vector

    def sentence_vectors(self, chunk_ids: Sequence[str], dimension: int) -> dict[str, np.ndarray]:
        """The sentence vectors stored with these chunks (`ingest.index.sentence_vectors`), by
        chunk id; a chunk stored without them, or with another model's, has none."""
        if not chunk_ids:
            return {}
        with _reading_store():
            got = self.store.chunks.get(ids=list(dict.fromkeys(chunk_ids)), include=["metadatas"])
        out: dict[str, np.ndarray] = {}
        for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            data = (meta or {}).get(META_KEY)
            if isinstance(data, str) and data:
                with contextlib.suppress(ValueError):
                    out[cid] = decode(data, dimension)
        return out

    def search(self, vector: np.ndarray, n: int) -> list[Scored]:
        """Raw nearest chunks: (chunk_id, cosine similarity), whatever version they belong to."""
        with _reading_store():
            got = self.store.chunks.query(
                query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
            )
        return [
            (cid, 1.0 - float(dist))
            for cid, dist in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    def rarity(self) -> Rarity:
        """How informative a question word is here: the index's IDF blended with background."""
        lexical = self._recent().lexical
        idf, size = lexical.term_weight, len(lexical.chunk_ids)
        return lambda word, stem: blended_weight(word, stem, idf=idf, documents=size)

    def retrieve(self, query: Query, k: int) -> list[Passage]:
        """The top `k` passages, at most `per_doc` per document, best first."""
        return self.rank(query, k, per_doc=self.config.per_doc)

    def rank_documents(self, query: Query, n: int) -> list[str]:
        """The ids of the `n` best documents, best first (for evaluation)."""
        return [p.doc_id for p in self.rank(query, n, per_doc=1, relevance=False)]

    def newest(self, n: int, as_of: str = "") -> list[Passage]:
        """The opening passage of each of the `n` documents published last (by `as_of`, an ISO
        date, when given), newest first; undated documents after every dated one."""
        snapshot = self.snapshot()
        published = [
            r
            for r in snapshot.records.values()
            if r.n_chunks and not (as_of and r.meta.published_date[:10] > as_of)
        ]
        published.sort(key=lambda r: (r.meta.published_date[:10], r.doc_id), reverse=True)
        # every committed opening, then the first n: a version being written is not listed
        openings = [(chunk_id(r.doc_id, r.content_hash, 0), 0.0) for r in published]
        return committed(snapshot, openings)[:n]

    def following(self, passage: Passage) -> Passage | None:
        """The next chunk of `passage`'s document version (None after its last chunk, or when
        that version is no longer the committed one)."""
        doc_id, digest, index = parse_chunk_id(passage.chunk_id)
        return self.passage(chunk_id(doc_id, digest, index + 1))

    def passage(self, chunk: str) -> Passage | None:
        """The committed passage `chunk`, an id (None once its document version was replaced)."""
        found = committed(self.snapshot(), [(chunk, 0.0)])
        return found[0] if found else None

    def rank(self, query: Query, k: int, *, per_doc: int, relevance: bool = True) -> list[Passage]:
        """Fuse, date, filter and diversify; scores become relevance unless `relevance=False`."""
        snapshot = self.snapshot()
        fused = self._fused(query, snapshot)
        if not fused:
            return []
        passages = committed(snapshot, fused)
        passages = self._dated(query, passages)
        taken = diversify(passages, k=k, per_doc=per_doc or len(passages))
        return self._with_relevance(query.text, taken, snapshot) if relevance else taken

    def _fused(self, query: Query, snapshot: IndexSnapshot) -> list[Scored]:
        depth = self.config.depth
        dense: list[Scored] = []
        if self.config.mode != "bm25":
            dense = self.search(self.embed_query(query.text), n=depth)
        lexical: list[Scored] = []
        if self.config.mode != "dense":
            lexical = snapshot.lexical.search(without_chat_words(query.text), depth)
        scores = rrf([[cid for cid, _ in dense], [cid for cid, _ in lexical]], k=self.config.rrf_k)
        return sorted(scores.items(), key=lambda item: -item[1])

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

    def _with_relevance(
        self, question: str, passages: list[Passage], snapshot: IndexSnapshot
    ) -> list[Passage]:
        wanted = set(key_terms(question))
        if not wanted or not passages:
            return [dataclasses.replace(p, score=0.0) for p in passages]
        weights = {t: snapshot.lexical.term_weight(t) for t in wanted}
        total = sum(weights.values())
        found = key_terms_many([titled(p.title, p.text) for p in passages])
        return [
            dataclasses.replace(p, score=sum(weights[t] for t in wanted & set(got)) / total)
            for p, got in zip(passages, found, strict=True)
        ]


def build_retriever(settings: Settings, store: Store, embedder: QueryEmbedder) -> HybridRetriever:
    """The retriever the settings describe, reading the snapshot saved beside the store."""
    config = RetrievalConfig.from_settings(settings)
    return HybridRetriever(store, embedder, snapshots=Snapshots(store, settings), config=config)


def committed(snapshot: IndexSnapshot, hits: list[Scored]) -> list[Passage]:
    """Passages for the hits that belong to the snapshot's committed document versions."""
    passages = []
    for cid, score in hits:
        position = snapshot.corpus.position(cid)
        if position is None:
            continue  # a version being written or replaced, or an orphan of an interrupted ingest
        record = snapshot.records[parse_chunk_id(cid)[0]]
        passages.append(
            Passage.of(
                record.meta,
                chunk_id=cid,
                text=snapshot.corpus.text(position),
                start=int(snapshot.corpus.starts[position]),
                score=score,
                page=int(snapshot.corpus.pages[position]),
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
