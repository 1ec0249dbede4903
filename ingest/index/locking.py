"""The ingest write lock: one ingest at a time per index."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from ingest.index.errors import IngestLocked
from ingest.index.settings import IngestSettings


def lock_path(settings: IngestSettings) -> Path:
    """Where the ingest write lock lives (beside the store; per server+collection otherwise)."""
    if settings.chroma_host:
        base = Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache") / "citebot"
        return base / f"{settings.chroma_host}-{settings.chroma_port}-{settings.collection}.lock"
    return settings.store / f"{settings.collection}.ingest.lock"


@contextlib.contextmanager
def ingest_lock(settings: IngestSettings) -> Iterator[None]:
    """Hold the index's write lock, or raise `IngestLocked` at once if another ingest has it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IngestLocked(
                f"Another ingest ({holder}) is writing this index.",
                hint="Wait for it to finish, then run this one again.",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
