"""Plain data of the index: documents, their metadata, chunks, and the records that commit them.

`DocumentMeta` is the one type for what is known about a document besides its text; the other
shapes are views of it: `DocumentMeta.to_chroma()` (what Chroma stores with every chunk and in
the record), `Document.meta`, `DocRecord.meta` (plus the committed version), and the read side's
`Passage.of(meta, ...)`.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What the index knows about a document besides its text."""

    doc_id: str
    title: str = ""
    url: str = ""
    source: str = ""
    published_date: str = ""
    author: str = ""
    path: str = ""
    # The title is the article's opening sentence, taken because it came with none: shown as its
    # title, but no headline (it says nothing the text does not).
    title_is_lede: bool = False

    def to_chroma(self) -> dict[str, str | bool]:
        """Chroma metadata (the text fields as strings: Chroma takes no None; `title_is_lede` only
        when set, so the content hash of every other document is what it was)."""
        out: dict[str, str | bool] = {name: getattr(self, name) for name in _TEXT_FIELDS}
        if self.title_is_lede:
            out["title_is_lede"] = True
        return out

    @classmethod
    def from_chroma(cls, doc_id: str, meta: Mapping[str, Any]) -> DocumentMeta:
        """Read it back from Chroma metadata (fields a store lacks are empty)."""
        text = {name: str(meta.get(name, "")) for name in _TEXT_FIELDS if name != "doc_id"}
        return cls(doc_id, **text, title_is_lede=bool(meta.get("title_is_lede", False)))


_TEXT_FIELDS = tuple(f.name for f in fields(DocumentMeta) if f.type == "str")


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
    title_is_lede: bool = False  # `DocumentMeta.title_is_lede`

    def page_at(self, offset: int) -> int:
        """The 1-based page holding `offset` (0 when the document has no pages)."""
        return bisect.bisect_right(self.pages, offset) if self.pages else 0

    @property
    def meta(self) -> DocumentMeta:
        """This document's metadata."""
        return DocumentMeta(
            self.doc_id,
            self.title,
            self.url,
            self.source,
            self.published_date,
            self.author,
            self.path,
            self.title_is_lede,
        )

    @property
    def metadata(self) -> dict[str, str | bool]:
        """Metadata stored with every chunk of this document (part of its content hash)."""
        return self.meta.to_chroma()


@dataclass(frozen=True, slots=True)
class DocRecord:
    """What the index holds for one document: its metadata and the committed version."""

    meta: DocumentMeta
    content_hash: str
    n_chunks: int
    sentence_vectors: bool = (
        False  # its chunks carry sentence vectors (`ingest.index.sentence_vectors`)
    )

    @property
    def doc_id(self) -> str:
        """The document's id."""
        return self.meta.doc_id

    @property
    def title(self) -> str:
        """The document's title."""
        return self.meta.title

    @property
    def url(self) -> str:
        """Where the document was published."""
        return self.meta.url

    @property
    def published_date(self) -> str:
        """When the document was published (ISO date, or "")."""
        return self.meta.published_date

    @property
    def source(self) -> str:
        """Where the document came from (a site, a feed, an upload)."""
        return self.meta.source

    @property
    def path(self) -> str:
        """The file the document came from."""
        return self.meta.path

    @property
    def chunk_ids(self) -> list[str]:
        """Ids of this version's chunks."""
        return [chunk_id(self.doc_id, self.content_hash, i) for i in range(self.n_chunks)]

    def owns(self, chunk: str) -> bool:
        """True if `chunk` belongs to this version of the document."""
        doc_id, digest, index = parse_chunk_id(chunk)
        return (
            doc_id == self.doc_id and self.content_hash.startswith(digest) and index < self.n_chunks
        )

    @classmethod
    def from_chroma(cls, doc_id: str, meta: Mapping[str, Any]) -> DocRecord:
        """Rebuild a record from Chroma metadata."""
        return cls(
            DocumentMeta.from_chroma(doc_id, meta),
            content_hash=str(meta.get("content_hash", "")),
            n_chunks=int(meta.get("n_chunks", 0)),
            sentence_vectors=bool(meta.get("sentence_vectors", False)),
        )

    def to_chroma(self) -> dict[str, Any]:
        """Chroma metadata for this record."""
        return {
            **self.meta.to_chroma(),
            "content_hash": self.content_hash,
            "n_chunks": self.n_chunks,
            **({"sentence_vectors": True} if self.sentence_vectors else {}),
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


def titled(title: str, text: str) -> str:
    """A chunk's text as embedded and searched: its document's title first, when there is one."""
    return f"{title}\n{text}" if title else text


def chunk_id(doc_id: str, digest: str, index: int) -> str:
    """Deterministic chunk id; the content hash in it ties a chunk to one version of its doc."""
    return f"{doc_id}::{digest[:16]}::{index:05d}"


def parse_chunk_id(value: str) -> tuple[str, str, int]:
    """Invert `chunk_id`: (doc_id, short digest, index)."""
    doc_id, digest, index = value.rsplit("::", 2)
    return doc_id, digest, int(index)
