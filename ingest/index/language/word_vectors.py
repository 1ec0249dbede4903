"""Which words are near in meaning: the local embedder's own input word vectors.

MiniLM's first layer is a table with one vector per WordPiece token. A whole word's row sits near
the rows of words used alike: "talks" near "discussions" (cosine .51), "built" near
"constructed" (.56), "killed" near "murdered" (.69). So a question's "talks" can be found in a
passage that says "discussions", by a table lookup rather than a model run, for every word of
every retrieved passage.

Words of one kind sit near each other as well ("Monday"/"Tuesday" .75, "Honda"/"Toyota" .59), so
callers leave names, dates and numbers to exact matching (`bot.answer.answerability`).

The table is read from the installed `model.onnx` directly: it is one tensor (int8 rows with a
scale per row) in three nested protobuf fields, and the `onnx` package would cost 31 MB and 0.7 s
of import to read it. A row's scale cancels out of a cosine, so the int8 rows are used as they
are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.index.errors import EmbeddingError
from ingest.index.onnx_model import (
    MODEL_SHA256,
    TOKENIZER_PATH,
    TOKENIZER_SHA256,
    installed_model,
    verified,
)

TABLE = "inner.embeddings.word_embeddings.weight_q"  # the int8 word rows in model.onnx
FIRST_WORD_ID = 1000  # ids below are [PAD], [UNK], [CLS], [SEP], [MASK] and [unusedN]

# Protobuf field numbers (onnx.proto): ModelProto.graph, GraphProto.initializer, and
# TensorProto's dims, data_type, name and raw_data.
_GRAPH, _INITIALIZER = 7, 5
_DIMS, _DATA_TYPE, _NAME, _RAW_DATA = 1, 2, 8, 9
_INT8 = 3  # TensorProto.DataType


@dataclass(frozen=True, slots=True)
class WordVectors:
    """The embedder's input word vectors, looked up by lower-case whole word."""

    rows: np.ndarray  # (vocabulary, dimensions), int8
    vocabulary: Any  # tokenizers.Tokenizer

    def id(self, word: str) -> int | None:
        """The row of `word` when it is one whole token of the vocabulary (None otherwise)."""
        found = self.vocabulary.token_to_id(word)
        return found if found is not None and found >= FIRST_WORD_ID else None

    def unit_rows(self, ids: Sequence[int]) -> np.ndarray:
        """The rows of `ids`, as float unit vectors."""
        rows = self.rows[list(ids)].astype(np.float32)
        return np.asarray(rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9))


@cache
def word_vectors() -> WordVectors:
    """The installed model's word vectors (read once; a missing or altered model is an
    `EmbeddingError` that says how to restore it)."""
    from tokenizers import Tokenizer

    model = verified(installed_model(), MODEL_SHA256, "embedding model (model.onnx)")
    tokenizer = verified(TOKENIZER_PATH, TOKENIZER_SHA256, "tokenizer (tokenizer.json)")
    return WordVectors(_read_table(model), Tokenizer.from_file(str(tokenizer)))


def _read_table(path: Path) -> np.ndarray:
    data = memoryview(path.read_bytes())
    for field, graph in _fields(data):
        if field != _GRAPH or isinstance(graph, int):
            continue
        for number, tensor in _fields(graph):
            if number == _INITIALIZER and not isinstance(tensor, int):
                table = _int8_matrix(tensor)
                if table is not None:
                    return table
    raise EmbeddingError(
        f"The embedding model at {path} has no word table ({TABLE}).",
        hint="Reinstall citebot (`make setup`) to restore it.",
    )


def _int8_matrix(tensor: memoryview) -> np.ndarray | None:
    """The tensor as a matrix when it is the word table, else None."""
    dims: list[int] = []
    name, kind, raw = "", 0, memoryview(b"")
    for field, value in _fields(tensor):
        if field == _NAME and not isinstance(value, int):
            name = bytes(value).decode("utf-8", "replace")
        elif field == _DATA_TYPE and isinstance(value, int):
            kind = value
        elif field == _RAW_DATA and not isinstance(value, int):
            raw = value
        elif field == _DIMS:
            dims.extend([value] if isinstance(value, int) else _packed(value))
    if name != TABLE or kind != _INT8 or len(dims) != 2 or len(raw) != dims[0] * dims[1]:
        return None
    # A copy, so the rest of the file (the other 12 MB of weights) is not kept in memory.
    return np.frombuffer(raw, dtype=np.int8).reshape(dims).copy()


def _fields(message: memoryview) -> Iterator[tuple[int, int | memoryview]]:
    """(field number, value) of each field of a protobuf message: an int for varints, the bytes
    for length-delimited fields; fixed-width fields are skipped."""
    at = 0
    while at < len(message):
        key, at = _varint(message, at)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(message, at)
            yield field, value
        elif wire == 2:
            length, at = _varint(message, at)
            yield field, message[at : at + length]
            at += length
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise EmbeddingError("The embedding model file is not a readable ONNX model.")


def _packed(data: memoryview) -> Iterator[int]:
    at = 0
    while at < len(data):
        value, at = _varint(data, at)
        yield value


def _varint(data: memoryview, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7
