"""Split a document's cleaned text into overlapping, sentence-aware chunks with offsets."""

from __future__ import annotations

import hashlib
import itertools
import json
from functools import cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.index.models import Chunk, Document, chunk_id, titled

# Paragraphs first, then lines, then sentence ends (a period, ! or ? followed by space, optionally
# after a closing quote or bracket), then words. Lookbehinds keep the punctuation with its sentence.
SEPARATORS = [
    r"\n\n+",
    r"\n",
    r"(?<=[.!?])\s+|(?<=[.!?][\"'”’)\]])\s+",
    r"(?<=[;:])\s+",
    r"\s+",
    "",
]


@cache
def _splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=size,
        chunk_overlap=min(overlap, size // 2),
        strip_whitespace=True,
    )


def content_hash(document: Document) -> str:
    """Hash of everything that ends up in the index for `document` (text and metadata)."""
    parts: list[object] = [document.text, document.metadata]
    if document.pages:  # only paged documents hash page breaks: other hashes stay as they were
        parts.append(list(document.pages))
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chunk_document(document: Document, *, size: int, overlap: int, digest: str) -> list[Chunk]:
    """Split `document.text`; every chunk satisfies `document.text[start:end] == text`.

    A paged document (PDF) is split page by page, so every chunk, and the citation quoting it,
    lies on one page.
    """
    bounds = [*document.pages, len(document.text)] if document.pages else [0, len(document.text)]
    pieces = [
        piece
        for start, end in itertools.pairwise(bounds)
        for piece in _splitter(size, overlap).split_text(document.text[start:end])
    ]
    chunks: list[Chunk] = []
    cursor = 0
    for piece in pieces:
        start = document.text.find(piece, cursor)
        if start < 0:  # pragma: no cover - the splitter only returns substrings
            start = document.text.find(piece)
        end = start + len(piece)
        chunks.append(
            Chunk(
                chunk_id=chunk_id(document.doc_id, digest, len(chunks)),
                doc_id=document.doc_id,
                index=len(chunks),
                text=piece,
                start=start,
                end=end,
                page=document.page_at(start),
            )
        )
        cursor = start + 1
    return chunks


def embedding_text(document: Document, chunk: Chunk) -> str:
    """The text the embedder and the lexical index see: the title gives a chunk its topic."""
    return titled(document.title, chunk.text)
