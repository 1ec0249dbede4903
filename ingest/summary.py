"""What an ingest needs (an embedder, optional progress hooks) and what it reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from ingest.index.models import Skipped


class EmbedderLike(Protocol):
    """What ingest needs from an embedder."""

    model_id: str

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed texts."""
        ...


class Progress(Protocol):
    """Progress reporting hooks (the CLI binds these to a rich progress bar)."""

    def start(self, total_chunks: int) -> None:
        """Embedding is about to start on `total_chunks` chunks."""

    def advance(self, chunks: int) -> None:
        """`chunks` more chunks are embedded."""

    def grow(self, chunks: int) -> None:
        """`chunks` more chunks are to be embedded (pages still arriving from the web)."""


@dataclass
class IngestSummary:
    """What an ingest did (or, with `dry_run`, would do)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # unchanged, but stored before sentence vectors were kept: embedded again once to get them
    upgraded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_written: int = 0
    chunks_reused: int = 0  # of those, unchanged chunks of an updated document: vectors kept
    orphans_removed: int = 0
    documents_total: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """True if the index was (or would be) modified."""
        return bool(
            self.added or self.updated or self.upgraded or self.removed or self.orphans_removed
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with counts next to the id lists."""
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        data["counts"] = {
            key: len(getattr(self, key))
            for key in ("added", "updated", "upgraded", "unchanged", "removed", "skipped")
        }
        return data
