"""Run `citebot ingest` and SIGKILL it at a chosen point (a test-only composition root).

Usage: python -m tests.crash_driver KILL_AT [citebot ingest arguments...]

KILL_AT picks where the process dies, with no chance to clean up:
  none          run normally
  embed         halfway through embedding the second batch (the first batch is committed)
  write         inside Chroma's upsert of the second batch's chunks (20 ms in)
  commit        after the second batch's chunks are written, before its document records
  cleanup       after the second batch's records are written, before old chunks are deleted
  bm25          after the BM25 files are written to the snapshot's temp folder, before the swap
  bm25-swap     between moving the old BM25 folder aside and moving the new one in
The hooks wrap our own seams (the embedder, the store, the BM25 save), so the real CLI, pipeline
and Chroma run unchanged.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

KILL_POINTS = ("none", "embed", "write", "commit", "cleanup", "bm25", "bm25-swap")


def die() -> None:
    """Die the way a power cut or OOM kill would: no handlers, no flushing."""
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class _KillingCollection:
    """A Chroma collection proxy that dies before (or during) one kind of call."""

    def __init__(self, inner: Any, method: str, *, delay: float | None = None):
        self._inner = inner
        self._method = method
        self._delay = delay

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._delay is None:
                die()
            threading.Timer(self._delay, die).start()
            result = attr(*args, **kwargs)
            threading.Event().wait(10)  # the timer fires first if the call was quicker
            return result

        return call


def install(kill_at: str) -> None:
    """Patch the seam where `kill_at` should strike."""
    from ingest.index import embeddings, snapshot, store

    if kill_at == "embed":
        embed = embeddings.LocalEmbedder.embed_spans  # ingest embeds chunks with their sentences
        calls = {"n": 0}

        def embed_then_die(self: Any, texts: Any, spans: Any, progress: Any = None) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:
                embed(self, texts[: len(texts) // 2], spans[: len(texts) // 2], progress)
                die()
            return embed(self, texts, spans, progress)

        embeddings.LocalEmbedder.embed_spans = embed_then_die  # type: ignore[method-assign]
    elif kill_at in {"write", "commit", "cleanup"}:
        write = store.Store.write_documents
        writes = {"n": 0}

        def write_then_die(self: Any, items: Any, previous: Any) -> None:
            writes["n"] += 1
            if writes["n"] == 2:
                if kill_at == "write":
                    self.chunks = _KillingCollection(self.chunks, "upsert", delay=0.02)
                elif kill_at == "commit":
                    self.docs = _KillingCollection(self.docs, "upsert")
                else:
                    self.chunks = _KillingCollection(self.chunks, "delete")
            write(self, items, previous)
            if kill_at == "cleanup" and writes["n"] == 2:
                die()  # this batch replaced nothing: die after its commit all the same

        store.Store.write_documents = write_then_die  # type: ignore[method-assign]
    elif kill_at == "bm25":
        save = snapshot.save_bm25

        def save_then_die(index: Any, directory: Path) -> None:
            save(index, directory)
            if index.chunk_ids:
                die()

        snapshot.save_bm25 = save_then_die  # type: ignore[assignment]
    elif kill_at == "bm25-swap":
        rename: Callable[..., Any] = Path.rename

        def rename_then_die(self: Path, target: Any) -> Any:
            result = rename(self, target)
            if str(target).endswith(".old"):
                die()
            return result

        Path.rename = rename_then_die  # type: ignore[method-assign]
    elif kill_at != "none":
        raise SystemExit(f"unknown kill point {kill_at!r}; one of {', '.join(KILL_POINTS)}")


def main() -> None:
    """Install the hook, then run the real CLI."""
    kill_at, args = sys.argv[1], sys.argv[2:]
    install(kill_at)
    from bot.cli.main import app

    app(args, prog_name="citebot")


if __name__ == "__main__":
    main()
