"""The BM25 side of the index (bm25s) over the committed chunks' titled texts.

`LexicalIndex` is the BM25 scores with the chunk ids in index order. It is built and saved as part
of the index snapshot (`ingest.index.snapshot`), which keeps it consistent with Chroma. Every
text, indexed or searched, is tokenised by one call: `terms()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class LexicalIndex:
    """A BM25 index over chunk texts, with the chunk ids in index order."""

    retriever: Any
    chunk_ids: list[str]
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


def stem(word: str) -> str:
    """The index's stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def build_lexical_index(texts: list[str], chunk_ids: list[str]) -> LexicalIndex:
    """BM25 over `texts` (the titled text of each chunk in `chunk_ids`)."""
    import bm25s

    retriever = bm25s.BM25()
    if chunk_ids:
        retriever.index(terms(texts), show_progress=False)
    return LexicalIndex(retriever, chunk_ids)


def save_bm25(index: LexicalIndex, directory: Path) -> None:
    """Write the BM25 scores into `directory` (the chunk ids are saved by the caller)."""
    if index.chunk_ids:
        index.retriever.save(str(directory), show_progress=False)


def load_bm25(directory: Path, chunk_ids: list[str]) -> LexicalIndex:
    """Read BM25 scores saved by `save_bm25`."""
    import bm25s

    if not chunk_ids:
        return LexicalIndex(bm25s.BM25(), chunk_ids)
    return LexicalIndex(bm25s.BM25.load(str(directory), show_progress=False), chunk_ids)
