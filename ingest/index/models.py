"""Plain data passed along the write side."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Document:
    """One article, cleaned, with the metadata it came with."""

    doc_id: str
    text: str
    title: str
    url: str = ""
    source: str = ""
    published_date: str = ""
    author: str = ""
    path: str = ""
    pages: tuple[int, ...] = ()  # where each page starts in `text` (PDFs); empty otherwise

    def page_at(self, offset: int) -> int:
        """The 1-based page holding `offset` (0 when the document has no pages)."""
        return bisect.bisect_right(self.pages, offset) if self.pages else 0

    @property
    def metadata(self) -> dict[str, str]:
        """Metadata stored with every chunk of this document (Chroma takes no None)."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published_date": self.published_date,
            "author": self.author,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class Chunk:
    """A span of a document's cleaned text: `document.text[start:end] == text`."""

    chunk_id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    page: int = 0  # 1-based page of `start` in a paged document (PDF); 0 otherwise


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file or line that was not ingested, and why."""

    where: str
    reason: str


@dataclass(slots=True)
class LoadResult:
    """Documents loaded from some paths, plus what had to be skipped."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    web_roots: list[str] = field(default_factory=list)  # URLs given, for --prune
    unchanged: list[str] = field(default_factory=list)  # doc ids a 304 vouched for (not loaded)
    kept: list[str] = field(default_factory=list)  # doc ids whose URL failed this time: keep them


def chunk_id(doc_id: str, digest: str, index: int) -> str:
    """Deterministic chunk id; the content hash in it ties a chunk to one version of its doc."""
    return f"{doc_id}::{digest[:16]}::{index:05d}"


def parse_chunk_id(value: str) -> tuple[str, str, int]:
    """Invert `chunk_id`: (doc_id, short digest, index)."""
    doc_id, digest, index = value.rsplit("::", 2)
    return doc_id, digest, int(index)
