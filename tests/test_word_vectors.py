"""The embedder's input word vectors, read from the installed model file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.index.errors import EmbeddingError
from ingest.index.language.word_vectors import _read_table, word_vectors


def _cosine(a: str, b: str) -> float:
    vectors = word_vectors()
    ids = [vectors.id(a), vectors.id(b)]
    assert None not in ids
    rows = vectors.unit_rows([i for i in ids if i is not None])
    return float(rows[0] @ rows[1])


def test_words_used_alike_are_near_and_unrelated_ones_are_not() -> None:
    assert _cosine("talks", "discussions") > 0.5
    assert _cosine("built", "constructed") > 0.5
    assert _cosine("talks", "cost") < 0.2


def test_only_whole_words_of_the_vocabulary_have_a_row() -> None:
    vectors = word_vectors()

    assert vectors.rows.shape == (30522, 384) and vectors.rows.dtype == np.int8
    assert vectors.id("honda") is not None
    assert vectors.id("micra") is None  # split into word pieces: no row of its own
    assert vectors.id("[CLS]") is None  # a special token is no word


def test_a_file_without_the_word_table_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"\x3a\x02\x2a\x00")  # a graph with one empty initializer

    with pytest.raises(EmbeddingError, match="no word table"):
        _read_table(broken)
