"""Keep the vectors of chunks an update leaves as they were (only new text is embedded).

A changed article usually changes in one place: an added paragraph, a corrected sentence. Its
other chunks come out of the splitter with the same text, under the same title, as in the version
the index holds, so their stored vectors are what embedding them again would give, to float32
rounding (the embedder maps a text to the same vector whatever batch it is in, and the store
refuses another model). Only the chunks whose embedded text is new are embedded. A kept chunk
keeps its sentence vectors too (`ingest.index.sentence_vectors`); one stored before they were
kept is embedded again, once, so that it gets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.index.chroma import pages, server_read
from ingest.index.models import DocRecord, titled
from ingest.index.sentence_vectors import META_KEY, Span, SpanEmbedder, encode
from ingest.index.store import Store
from ingest.summary import EmbedderLike


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored chunk's vector and its encoded sentence vectors ("" when it has none)."""

    vector: np.ndarray
    sentences: str


@dataclass(frozen=True, slots=True)
class Embedded:
    """Vectors for a batch of texts, their encoded sentence vectors, and how many were kept."""

    vectors: np.ndarray
    sentences: list[str]
    kept: int


@server_read
def stored_vectors(store: Store, versions: Iterable[DocRecord]) -> dict[str, Stored]:
    """The vectors of these document versions' chunks, by the text they embed (title first)."""
    title = {}
    for record in versions:
        title.update(dict.fromkeys(record.chunk_ids, record.title))
    known: dict[str, Stored] = {}
    for got in pages(store.chunks, ["documents", "embeddings", "metadatas"], ids=sorted(title)):
        rows = zip(got["ids"], got["documents"], got["embeddings"], got["metadatas"], strict=True)
        for cid, text, vector, meta in rows:
            if text is not None and vector is not None:
                sentences = str((meta or {}).get(META_KEY, ""))
                known[titled(title[cid], text)] = Stored(np.asarray(vector, np.float32), sentences)
    return known


def embed_new(
    embedder: EmbedderLike,
    texts: list[str],
    spans: Sequence[Sequence[Span]],
    known: dict[str, Stored],
    progress: Callable[[int], None] | None = None,
) -> Embedded:
    """Vectors for `texts` (and sentence vectors over their `spans`, when the embedder pools
    spans), embedding only those `known` has none for."""
    pooling = isinstance(embedder, SpanEmbedder)

    def reusable(text: str) -> bool:
        stored = known.get(text)
        return stored is not None and (bool(stored.sentences) or not pooling)

    new = [i for i, text in enumerate(texts) if not reusable(text)]
    sentences = [""] * len(texts)
    if len(new) == len(texts):
        vectors, pooled = _embed(embedder, texts, spans, progress)
        return Embedded(vectors, [encode(p) for p in pooled] or sentences, 0)
    kept = len(texts) - len(new)
    dimension = len(next(iter(known.values())).vector)
    out = np.empty((len(texts), dimension), dtype=np.float32)
    for i, text in enumerate(texts):
        if reusable(text):
            out[i], sentences[i] = known[text].vector, known[text].sentences
    if new:
        vectors, pooled = _embed(
            embedder, [texts[i] for i in new], [spans[i] for i in new], progress
        )
        out[new] = vectors
        for i, rows in zip(new, pooled, strict=False):  # none when the embedder pools no spans
            sentences[i] = encode(rows)
    if progress is not None:
        progress(kept)
    return Embedded(out, sentences, kept)


def _embed(
    embedder: EmbedderLike,
    texts: list[str],
    spans: Sequence[Sequence[Span]],
    progress: Callable[[int], None] | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    if isinstance(embedder, SpanEmbedder):
        return embedder.embed_spans(texts, spans, progress)
    return embedder.embed(texts, progress), []
