"""The BM25 side of the index (bm25s), kept consistent with Chroma.

Ingest rebuilds it from the committed chunks after every change and saves it atomically beside
the store (a new folder, then a rename). The saved index carries the store's generation (and the
document collection's id, since a recreated collection counts from zero again); a reader
that finds a different generation (an interrupted ingest, another machine's ingest into a shared
Chroma server) rebuilds it from Chroma instead of trusting it. In server mode the copy lives in
the local cache folder, so each bot process rebuilds once when the server's index changes.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.index.settings import IngestSettings
from ingest.index.store import Store

log = logging.getLogger(__name__)

FORMAT = 1
PAGE = 5000


@dataclass
class LexicalIndex:
    """A BM25 index over chunk texts, with the chunk ids in index order."""

    retriever: Any
    chunk_ids: list[str]
    generation: int
    # The document collection's id: a recreated collection restarts its generation counter.
    collection_id: str = ""
    _idf: dict[str, float] | None = field(default=None, repr=False)

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        """Top `k` chunk ids for `text` by BM25 score (only positive scores)."""
        if not self.chunk_ids:
            return []
        tokens = tokenize([text])
        if not tokens.vocab:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [
            (self.chunk_ids[int(i)], float(s))
            for i, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term (BM25's formula), computed once."""
        if self._idf is None:
            self._idf = {}
            if self.chunk_ids:
                n = len(self.chunk_ids)
                frequencies = np.diff(np.asarray(self.retriever.scores["indptr"]))
                for term, column in self.retriever.vocab_dict.items():
                    if term and column < len(frequencies):
                        df = float(frequencies[column])
                        self._idf[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        return self._idf

    def term_weight(self, term: str) -> float:
        """IDF of a `terms()` token; unseen terms weigh as much as the rarest seen ones."""
        idf = self.idf()
        return idf.get(term, math.log(1.0 + (len(self.chunk_ids) + 0.5) / 0.5))


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(texts: list[str]) -> list[list[str]]:
    """The index's own tokens for each text (lower-cased, stopwords removed, stemmed)."""
    import bm25s

    if not texts:
        return []
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


def stem(word: str) -> str:
    """The index's stem of one lower-case word."""
    return str(_stemmer().stemWord(word))


def tokenize(texts: list[str]) -> Any:
    """bm25s tokens: lower-cased, English stopwords removed, Snowball-stemmed."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)


def index_dir(settings: IngestSettings) -> Path:
    """Where the BM25 index is saved."""
    if settings.chroma_host:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citebot"
        return base / f"bm25-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
    return settings.store / f"{settings.collection}.bm25"


def committed_chunks(store: Store) -> tuple[list[str], list[str]]:
    """(ids, texts) of every chunk owned by a committed document version, with its title."""
    records = store.records()
    ids: list[str] = []
    texts: list[str] = []
    offset = 0
    while True:
        got = store.chunks.get(include=["documents", "metadatas"], limit=PAGE, offset=offset)
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            record = records.get(str((meta or {}).get("doc_id", "")))
            if record is not None and record.owns(cid):
                ids.append(cid)
                texts.append(f"{record.title}\n{text or ''}")
        if len(got["ids"]) < PAGE:
            break
        offset += len(got["ids"])
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return [ids[i] for i in order], [texts[i] for i in order]


def build_lexical_index(store: Store, generation: int | None = None) -> LexicalIndex:
    """Build BM25 over the committed chunks of `store`."""
    import bm25s

    generation = store.generation() if generation is None else generation
    ids, texts = committed_chunks(store)
    retriever = bm25s.BM25()
    if ids:
        retriever.index(tokenize(texts), show_progress=False)
    return LexicalIndex(retriever, ids, generation, collection_id(store))


def collection_id(store: Store) -> str:
    """The id Chroma gave the store's document collection (new whenever it is recreated)."""
    return str(getattr(store.docs, "id", ""))


def _current(saved: LexicalIndex | None, store: Store, generation: int) -> bool:
    return (
        saved is not None
        and saved.generation == generation
        and saved.collection_id == collection_id(store)
    )


def save_lexical_index(index: LexicalIndex, directory: Path) -> None:
    """Save atomically: write a sibling temp folder, then swap it in with renames."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temp_folders(directory)
    prefix = f"{directory.name}.tmp-{os.getpid()}-"
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=directory.parent))
    try:
        if index.chunk_ids:
            index.retriever.save(str(tmp), show_progress=False)
        (tmp / "citebot.json").write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "generation": index.generation,
                    "collection_id": index.collection_id,
                    "chunk_ids": index.chunk_ids,
                }
            )
        )
        old = directory.with_name(directory.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if directory.exists():
            directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _remove_dead_temp_folders(directory: Path) -> None:
    """Delete temp folders left by saves that were killed (their process is gone)."""
    for leftover in directory.parent.glob(f"{directory.name}.tmp-*-*"):
        pid = leftover.name.removeprefix(f"{directory.name}.tmp-").split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except (ValueError, PermissionError):
            continue  # not ours, or another user's live process


def read_saved(directory: Path) -> LexicalIndex | None:
    """Load a saved index, or None if it is missing or unreadable."""
    import bm25s

    if not directory.exists():
        old = directory.with_name(directory.name + ".old")
        if not old.exists():
            return None
        directory = old  # a crash between the two renames leaves the previous copy here
    try:
        meta = json.loads((directory / "citebot.json").read_text())
        if meta.get("format") != FORMAT:
            return None
        ids = list(meta["chunk_ids"])
        retriever = bm25s.BM25.load(str(directory), show_progress=False) if ids else bm25s.BM25()
        return LexicalIndex(
            retriever, ids, int(meta["generation"]), str(meta.get("collection_id", ""))
        )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable BM25 index at %s: %s", directory, exc)
        return None


def update_lexical_index(store: Store, settings: IngestSettings) -> LexicalIndex:
    """Ingest: rebuild and save the BM25 index unless the saved one is current (save must work)."""
    return _current_or_rebuilt(store, settings, writer=True)


def load_lexical_index(store: Store, settings: IngestSettings) -> LexicalIndex:
    """Readers: the saved BM25 index if current, else rebuilt (and saved if the folder allows)."""
    return _current_or_rebuilt(store, settings, writer=False)


def _current_or_rebuilt(store: Store, settings: IngestSettings, *, writer: bool) -> LexicalIndex:
    generation = store.generation()
    directory = index_dir(settings)
    saved = read_saved(directory)
    # A reader may use the previous copy a crash left between the two renames; ingest replaces it.
    usable = saved is not None and (not writer or directory.exists())
    if usable and saved is not None and _current(saved, store, generation):
        return saved
    log.info("BM25 index is stale or missing; rebuilding from the store")
    index = build_lexical_index(store, generation)
    try:
        save_lexical_index(index, directory)
    except OSError as exc:
        if writer:
            raise
        log.warning("could not save the rebuilt BM25 index: %s", exc)  # still searchable
    return index
