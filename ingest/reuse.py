"""Keep the vectors of chunks an update leaves as they were (only new text is embedded).

A changed article usually changes in one place: an added paragraph, a corrected sentence. Its
other chunks come out of the splitter with the same text, under the same title, as in the version
the index holds, so their stored vectors are what embedding them again would give, to float32
rounding (the embedder maps a text to the same vector whatever batch it is in, and the store
refuses another model). Only the chunks whose embedded text is new are embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ingest.index.chroma import pages, server_read
from ingest.index.models import DocRecord, titled
from ingest.index.store import Store
from ingest.summary import EmbedderLike


@server_read
def stored_vectors(store: Store, versions: Iterable[DocRecord]) -> dict[str, np.ndarray]:
    """The vectors of these document versions' chunks, by the text they embed (title first)."""
    title = {}
    for record in versions:
        title.update(dict.fromkeys(record.chunk_ids, record.title))
    known: dict[str, np.ndarray] = {}
    for got in pages(store.chunks, ["documents", "embeddings"], ids=sorted(title)):
        for cid, text, vector in zip(got["ids"], got["documents"], got["embeddings"], strict=True):
            if text is not None and vector is not None:
                known[titled(title[cid], text)] = np.asarray(vector, dtype=np.float32)
    return known


def embed_new(
    embedder: EmbedderLike,
    texts: list[str],
    known: dict[str, np.ndarray],
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those `known` has none for; and how many were kept."""
    new = [i for i, text in enumerate(texts) if text not in known]
    kept = len(texts) - len(new)
    if not kept:
        return embedder.embed(texts, progress), 0
    out = np.empty((len(texts), len(next(iter(known.values())))), dtype=np.float32)
    for i, text in enumerate(texts):
        if text in known:
            out[i] = known[text]
    if new:
        out[new] = embedder.embed([texts[i] for i in new], progress)
    if progress is not None:
        progress(kept)
    return out, kept
