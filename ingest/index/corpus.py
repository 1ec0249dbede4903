"""The committed chunks' texts, held beside the BM25 index so questions never re-read them.

A `ChunkCorpus` is every committed chunk's id (sorted), text and start offset. It is what BM25
indexes and what answers quote: retrieval reads a hit's text from here, not from Chroma. Saved,
the texts are one UTF-8 file read through a memory map, so a large index costs page cache rather
than process memory.

`committed_corpus` builds one for the current document records from what is already at hand:
the chunks an ingest just wrote, then the previous corpus (a chunk id embeds its version's content
hash, so a reused text is always the right one), and only what is still missing from Chroma.
"""

from __future__ import annotations

import bisect
import mmap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.index.chroma import pages
from ingest.index.models import DocRecord
from ingest.index.store import Store

TEXTS, OFFSETS, STARTS, PAGES = "texts.bin", "offsets.npy", "starts.npy", "pages.npy"
ChunkText = tuple[str, int, int]  # a chunk's text, its start offset and its page (0: no pages)


@dataclass(frozen=True)
class ChunkCorpus:
    """Chunk ids in sorted order with their texts (UTF-8, end to end), starts and pages."""

    ids: list[str]
    blob: bytes | mmap.mmap
    offsets: np.ndarray  # byte offset of each text in `blob`, plus the end
    starts: np.ndarray
    pages: np.ndarray

    @classmethod
    def of(cls, chunks: Mapping[str, ChunkText]) -> ChunkCorpus:
        """A corpus of the given chunks."""
        ids = sorted(chunks)
        encoded = [chunks[cid][0].encode("utf-8") for cid in ids]
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        starts = np.asarray([chunks[cid][1] for cid in ids], dtype=np.int64)
        pages = np.asarray([chunks[cid][2] for cid in ids], dtype=np.int64)
        return cls(ids, b"".join(encoded), offsets, starts, pages)

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, chunk: str) -> int | None:
        """Where `chunk` is in the corpus, or None if it is not in it."""
        at = bisect.bisect_left(self.ids, chunk)
        return at if at < len(self.ids) and self.ids[at] == chunk else None

    def text(self, position: int) -> str:
        """The text of the chunk at `position`."""
        start, end = int(self.offsets[position]), int(self.offsets[position + 1])
        return bytes(self.blob[start:end]).decode("utf-8")

    def get(self, chunk: str) -> ChunkText | None:
        """(text, start, page) of a chunk, or None if it is not in the corpus."""
        at = self.position(chunk)
        return None if at is None else (self.text(at), int(self.starts[at]), int(self.pages[at]))

    def texts(self) -> Iterator[str]:
        """Every text, in id order."""
        return (self.text(i) for i in range(len(self.ids)))

    def save(self, directory: Path) -> None:
        """Write the texts and offsets into `directory` (ids are saved by the caller)."""
        (directory / TEXTS).write_bytes(bytes(self.blob))
        np.save(directory / OFFSETS, self.offsets)
        np.save(directory / STARTS, self.starts)
        np.save(directory / PAGES, self.pages)

    @classmethod
    def load(cls, directory: Path, ids: list[str]) -> ChunkCorpus:
        """Read a saved corpus; the texts stay on disk behind a memory map."""
        offsets = np.load(directory / OFFSETS)
        starts, pages = np.load(directory / STARTS), np.load(directory / PAGES)
        if len(offsets) != len(ids) + 1 or len(starts) != len(ids) or len(pages) != len(ids):
            raise ValueError("the saved chunk texts do not match the saved chunk ids")
        blob: bytes | mmap.mmap = b""
        if int(offsets[-1]) > 0:
            with (directory / TEXTS).open("rb") as handle:
                blob = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(ids, blob, offsets, starts, pages)


def committed_corpus(
    store: Store,
    records: Mapping[str, DocRecord],
    *,
    fresh: Mapping[str, ChunkText] | None = None,
    previous: ChunkCorpus | None = None,
) -> ChunkCorpus:
    """The chunks of every committed document version: from `fresh`, `previous`, then Chroma."""
    fresh = fresh or {}
    chunks: dict[str, ChunkText] = {}
    missing: set[str] = set()
    for record in records.values():
        for cid in record.chunk_ids:
            known = fresh.get(cid) or (previous.get(cid) if previous is not None else None)
            if known is not None:
                chunks[cid] = known
            else:
                missing.add(cid)
    if missing:
        # Most of the index missing (a first build): one pass over everything beats id lookups.
        ids = None if len(missing) > len(chunks) else sorted(missing)
        for got in pages(store.chunks, ["documents", "metadatas"], ids=ids):
            rows = zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            for cid, text, got_meta in rows:
                if cid in missing:
                    meta = got_meta or {}
                    chunks[cid] = (text or "", int(meta.get("start", 0)), int(meta.get("page", 0)))
    return ChunkCorpus.of(chunks)
