"""Each chunk's sentence vectors, pooled from the chunk's own embedding pass.

The offline answerer compares the question with every candidate sentence (see
`bot.answer.answerability`). Embedding those sentences per question costs 50-250 ms on a 2-core
CPU, more than the whole answer budget; embedding them separately at ingest would double the
model's work. Instead, the model's token vectors for a chunk, which ingest computes anyway, are
mean-pooled over each sentence's tokens: a sentence vector read in its chunk's context, for no
extra model run. They are stored with the chunk in Chroma (one metadata string per chunk: int8
components, base64), reused with the chunk's vector when an article is re-ingested unchanged in
that place, and read back with the retrieved chunks.

A sentence the model never saw (past the 256 tokens a chunk is truncated to) gets a zero row;
the answerer embeds such sentences, and those of chunks stored before vectors were kept, when it
needs them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ingest.index.language.sentences import split_sentences

META_KEY = "sentence_vectors"
SCALE = 127.0  # unit-vector components in [-1, 1] as int8: cosines stay within ~0.01

Span = tuple[int, int]  # character offsets in the embedded text


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that also pools its token vectors over character spans of each text."""

    def embed_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Text vectors, and per text one unit row per span (zeros where no token falls)."""
        ...


def sentence_spans(text: str, offset: int = 0) -> list[Span]:
    """Where each sentence of a chunk's `text` sits in the embedded text (`offset`: the title
    and newline before it), in the order `split_sentences` gives them."""
    return [(offset + s.start, offset + s.end) for s in split_sentences(text)]


def pool_spans(
    hidden: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> np.ndarray:
    """Unit mean of the token vectors (`hidden`: one row per token) whose characters start inside
    each span; special tokens (empty offsets) and spans no token reached give zero rows."""
    out = np.zeros((len(spans), hidden.shape[1]), dtype=np.float32)
    if not spans:
        return out
    bounds = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    real = np.flatnonzero(bounds[:, 1] > bounds[:, 0])  # in text order: tokens never overlap
    starts = bounds[real, 0]
    totals = np.zeros((len(real) + 1, hidden.shape[1]), dtype=np.float32)
    np.cumsum(hidden[real], axis=0, out=totals[1:])
    edges = np.asarray(spans, dtype=np.int64)
    lo = np.searchsorted(starts, edges[:, 0], side="left")
    hi = np.searchsorted(starts, edges[:, 1], side="left")
    counts = hi - lo
    sums = totals[hi] - totals[lo]
    norms = np.linalg.norm(sums, axis=1)
    ok = (counts > 0) & (norms > 0)
    out[ok] = (sums[ok] / norms[ok, None]).astype(np.float32)
    return out


def encode(vectors: np.ndarray) -> str:
    """One chunk's sentence vectors as a metadata string."""
    quantised = np.clip(np.rint(vectors * SCALE), -127, 127).astype(np.int8)
    return base64.b64encode(quantised.tobytes()).decode("ascii")


def decode(data: str, dimension: int) -> np.ndarray:
    """The (sentences, dimension) float32 unit rows `encode` stored (zero rows stay zero)."""
    raw = np.frombuffer(base64.b64decode(data), dtype=np.int8)
    if dimension <= 0 or raw.size % dimension:
        raise ValueError("stored sentence vectors do not match the embedding dimension")
    rows = raw.reshape(-1, dimension).astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
    return unit
