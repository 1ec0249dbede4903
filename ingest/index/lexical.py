"""The BM25 side of the index (bm25s) over the committed chunks' titled texts.

`LexicalIndex` is the BM25 scores with the chunk ids in index order, and each chunk's tokens as
ids into the index's vocabulary (`ChunkTokens`). It is built and saved as part of the index
snapshot (`ingest.index.snapshot`), which keeps it consistent with Chroma. Every text, indexed or
searched, is tokenised by one call: `terms()`.

A rebuild reuses the previous index's tokens for every chunk id it shares with it (a chunk id
embeds its document version's content hash, title included, so its tokens never change): only
the chunks an ingest wrote are tokenised again. An index saved before the tokens were kept, or by
another tokeniser, has none, and the next rebuild tokenises every chunk once.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

TOKENS, TOKEN_OFFSETS = "tokens.npy", "token_offsets.npy"


@dataclass(frozen=True)
class ChunkTokens:
    """Every indexed chunk's tokens, as vocabulary ids, chunk after chunk in index order."""

    ids: np.ndarray  # int32 column ids of the BM25 vocabulary
    offsets: np.ndarray  # where each chunk's ids start in `ids`, plus the end

    def of(self, position: int) -> np.ndarray:
        """The token ids of the chunk at `position`."""
        return self.ids[int(self.offsets[position]) : int(self.offsets[position + 1])]

    def save(self, directory: Path) -> None:
        """Write the ids and offsets into `directory`."""
        np.save(directory / TOKENS, self.ids)
        np.save(directory / TOKEN_OFFSETS, self.offsets)

    @classmethod
    def load(cls, directory: Path, chunks: int, vocabulary: int) -> ChunkTokens | None:
        """Read saved tokens, or None if there are none (an older index) or they do not fit."""
        if not (directory / TOKENS).is_file() or not (directory / TOKEN_OFFSETS).is_file():
            return None
        offsets = np.load(directory / TOKEN_OFFSETS)
        ids = np.load(directory / TOKENS, mmap_mode="r")  # only a rebuild reads them
        fits = len(offsets) == chunks + 1 and int(offsets[-1]) == len(ids)
        if not fits or (len(ids) and int(ids.max()) >= vocabulary):
            raise ValueError("the saved chunk tokens do not match the saved BM25 index")
        return cls(ids, offsets)


@dataclass
class LexicalIndex:
    """A BM25 index over chunk texts, with the chunk ids in index order."""

    retriever: Any
    chunk_ids: list[str]
    tokens: ChunkTokens | None = None  # None: saved before tokens were kept
    _idf: dict[str, float] | None = field(default=None, repr=False)

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        """Top `k` chunk ids for `text` by BM25 score (only positive scores)."""
        if not self.chunk_ids:
            return []
        tokens = terms([text])
        if not tokens[0]:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [
            (self.chunk_ids[int(i)], float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term (BM25's formula), computed once."""
        if self._idf is None:
            self._idf = {}
            if self.chunk_ids:
                n = len(self.chunk_ids)
                frequencies = np.diff(np.asarray(self.retriever.scores["indptr"]))
                for term, column in self.retriever.vocab_dict.items():
                    if term and column < len(frequencies):
                        df = float(frequencies[column])
                        self._idf[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        return self._idf

    def term_weight(self, term: str) -> float:
        """IDF of a `terms()` token; unseen terms weigh as much as the rarest seen ones."""
        idf = self.idf()
        return idf.get(term, math.log(1.0 + (len(self.chunk_ids) + 0.5) / 0.5))

    def token_ids(self, chunk: str) -> np.ndarray | None:
        """The kept token ids of `chunk`, or None if it is not indexed or no tokens were kept."""
        at = bisect.bisect_left(self.chunk_ids, chunk)
        if self.tokens is None or at == len(self.chunk_ids) or self.chunk_ids[at] != chunk:
            return None
        return self.tokens.of(at)


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(texts: list[str]) -> list[list[str]]:
    """The index's own tokens for each text (lower-cased, stopwords removed, stemmed)."""
    import bm25s

    if not texts:
        return []
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


@cache
def tokenizer() -> str:
    """What kept tokens depend on besides the text (tokens kept by another one are not reused)."""
    from importlib.metadata import version

    return f"bm25s {version('bm25s')} en stopwords, PyStemmer {version('PyStemmer')} english"


def stem(word: str) -> str:
    """The index's stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def build_lexical_index(
    chunk_ids: list[str], text: Callable[[int], str], previous: LexicalIndex | None = None
) -> LexicalIndex:
    """BM25 over the chunks `chunk_ids` (sorted); `text(i)` is the titled text of the i-th.

    Only chunks `previous` holds no tokens for are tokenised; the index is the same as one built
    from every text.
    """
    import bm25s

    retriever = bm25s.BM25()
    if not chunk_ids:
        return LexicalIndex(retriever, chunk_ids, _no_tokens())
    if previous is not None and previous.tokens is None:
        previous = None  # saved before tokens were kept: every chunk is tokenised once
    # Every chunk's tokens as ids in one working vocabulary: the previous index's, then new terms.
    vocabulary: dict[str, int] = dict(previous.retriever.vocab_dict) if previous else {}
    parts: list[np.ndarray] = []
    missing: list[int] = []
    for position, chunk in enumerate(chunk_ids):
        kept = previous.token_ids(chunk) if previous is not None else None
        parts.append(kept if kept is not None else np.empty(0, dtype=np.int32))
        if kept is None:
            missing.append(position)
    size = max(vocabulary.values(), default=-1) + 1
    for position, tokens in zip(missing, terms([text(i) for i in missing]), strict=True):
        for term in tokens:
            if term not in vocabulary:
                vocabulary[term], size = size, size + 1
        parts[position] = np.asarray([vocabulary[t] for t in tokens], dtype=np.int32)
    # Keep only the terms in use, numbered from 0 (as bm25s numbers a vocabulary it builds).
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=offsets[1:])
    used, inverse = np.unique(np.concatenate(parts), return_inverse=True)
    names = np.empty(size, dtype=object)
    names[list(vocabulary.values())] = list(vocabulary)
    vocab = {str(term): column for column, term in enumerate(names[used])}
    ids = inverse.astype(np.int32).reshape(-1)
    _index(retriever, ids, offsets, vocab)
    return LexicalIndex(retriever, chunk_ids, ChunkTokens(ids, offsets))


def _index(retriever: Any, ids: np.ndarray, offsets: np.ndarray, vocab: dict[str, int]) -> None:
    """`retriever.index((token ids, vocab))` in whole-array steps (bm25s loops over chunks).

    The same arithmetic as bm25s's Lucene BM25 on the same values, with its own score functions
    and matrix builder, so the scores are identical (tests compare with bm25s's own `index`).
    """
    from bm25s import scoring

    settings = (retriever.method, retriever.idf_method, retriever.dtype, retriever.csc_backend)
    if settings != ("lucene", "lucene", "float32", "numpy") or not vocab:  # not bm25s's defaults
        corpus = [part.tolist() for part in np.split(ids, offsets[1:-1])]
        retriever.index((corpus, vocab), show_progress=False)
        return
    docs, terms_in_use = len(offsets) - 1, len(vocab)
    lengths = np.diff(offsets)
    # One entry per (chunk, term) with the term's count in the chunk, chunk by chunk.
    pairs, counts = np.unique(
        np.repeat(np.arange(docs, dtype=np.int64), lengths) * terms_in_use + ids,
        return_counts=True,
    )
    rows, cols = (pairs // terms_in_use).astype(np.int32), (pairs % terms_in_use).astype(np.int32)
    frequencies = np.bincount(cols, minlength=terms_in_use)
    idf = scoring._build_idf_array(
        dict(enumerate(frequencies.tolist())), docs, scoring._select_idf_scorer("lucene"), "float32"
    )
    tfc = scoring._score_tfc_lucene(
        counts.astype(np.float32), lengths[rows], lengths.mean(), retriever.k1, retriever.b
    )
    data, indices, indptr = retriever._np_csc(
        data=(idf[cols] * tfc).astype(np.float32), rows=rows, cols=cols, shape=(docs, terms_in_use)
    )
    retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": docs}
    retriever.nonoccurrence_array = None
    retriever.vocab_dict = {**vocab, "": terms_in_use} if "" not in vocab else vocab
    retriever.unique_token_ids_set = set(retriever.vocab_dict.values())


def _no_tokens() -> ChunkTokens:
    return ChunkTokens(np.empty(0, dtype=np.int32), np.zeros(1, dtype=np.int64))


def save_bm25(index: LexicalIndex, directory: Path) -> None:
    """Write the BM25 scores and the chunks' tokens (the chunk ids are saved by the caller)."""
    if index.chunk_ids:
        index.retriever.save(str(directory), show_progress=False)
        if index.tokens is not None:
            index.tokens.save(directory)


def load_bm25(directory: Path, chunk_ids: list[str], *, saved_by: str = "") -> LexicalIndex:
    """Read BM25 scores saved by `save_bm25`, and the tokens if `saved_by` is our `tokenizer()`."""
    import bm25s

    if not chunk_ids:
        return LexicalIndex(bm25s.BM25(), chunk_ids, _no_tokens())
    retriever = bm25s.BM25.load(str(directory), show_progress=False)
    tokens = None
    if saved_by == tokenizer():
        tokens = ChunkTokens.load(directory, len(chunk_ids), len(retriever.vocab_dict))
    return LexicalIndex(retriever, chunk_ids, tokens)
