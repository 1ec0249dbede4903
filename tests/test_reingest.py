"""Re-ingest after one changed article: only its chunks are tokenised, answers stay the same.

The BM25 index keeps each chunk's tokens beside it, so a rebuild tokenises only the chunks an
ingest wrote; the index it builds must be the one a rebuild from every text gives. An index saved
before the tokens were kept (or by another tokeniser) still loads and answers, and the next ingest
tokenises every chunk once.
"""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from bot.answer.retrieval import HybridRetriever, Query
from bot.settings import Settings
from ingest.index import lexical
from ingest.index.embeddings import LocalEmbedder
from ingest.index.lexical import TOKEN_OFFSETS, TOKENS
from ingest.index.models import parse_chunk_id, titled
from ingest.index.snapshot import (
    META,
    IndexSnapshot,
    Snapshots,
    read_saved,
    snapshot_dir,
    snapshot_hook,
)
from ingest.index.store import open_store
from ingest.pipeline import IngestSummary, ingest
from tests.conftest import write_article
from tests.test_ingest import CountingEmbedder

ARTICLES = {
    "zoo": "The zoo's new zebra foal, named Quillon, took her first steps on Monday morning. ",
    "harbour": "The harbour authority approved a ferry terminal for Brackenport on Tuesday. ",
    "kettle": "Kettles with serial code ZX-4471-Q may overheat and should be returned. ",
}
QUERIES = ["zebra foal Quillon", "ferry terminal Brackenport", "kettle serial code", "Marzipan"]


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    for doc_id, text in ARTICLES.items():
        write_article(folder, f"{doc_id}.md", text * 4, id=doc_id, title=f"About the {doc_id}")
    return folder


def _ingest(folder: Path, settings: Settings, embedder: LocalEmbedder) -> IngestSummary:
    return ingest(
        [folder], settings=settings, embedder=embedder, after_write=snapshot_hook(settings)
    )


def _saved(settings: Settings) -> IndexSnapshot:
    saved = read_saved(snapshot_dir(settings))
    assert saved is not None
    return saved


def _from_every_text(snapshot: IndexSnapshot) -> lexical.LexicalIndex:
    """The reference: bm25s's own index over every chunk's titled text."""
    texts = [
        titled(snapshot.records[parse_chunk_id(cid)[0]].title, text)
        for cid, text in zip(snapshot.chunk_ids, snapshot.corpus.texts(), strict=True)
    ]
    retriever = bm25s.BM25()
    retriever.index(lexical.terms(texts), show_progress=False)
    return lexical.LexicalIndex(retriever, snapshot.chunk_ids)


def _same_scores(snapshot: IndexSnapshot) -> None:
    fresh = _from_every_text(snapshot)
    for query in QUERIES:
        assert snapshot.lexical.search(query, 10) == fresh.search(query, 10)
    assert snapshot.lexical.idf() == fresh.idf()


def _answers(settings: Settings, embedder: LocalEmbedder, question: str) -> list[tuple[str, str]]:
    store = open_store(settings)
    retriever = HybridRetriever(store, embedder, snapshots=Snapshots(store, settings))
    return [(hit.doc_id, hit.text) for hit in retriever.retrieve(Query(question), 3)]


def _edit_zoo(folder: Path) -> None:
    text = "The zoo renamed the zebra foal Marzipan after a vote. " * 4
    write_article(folder, "zoo.md", text, id="zoo", title="About the zoo")


def _tokenised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = lexical.terms

    def counting(texts: list[str]) -> list[list[str]]:
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(lexical, "terms", counting)
    return seen


def test_changing_one_article_tokenises_only_its_chunks_and_finds_old_and_new_text(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _corpus(tmp_path)
    _ingest(folder, settings, embedder)
    _edit_zoo(folder)
    tokenised = _tokenised(monkeypatch)

    summary = _ingest(folder, settings, embedder)

    assert summary.updated == ["zoo"]
    assert tokenised and all("Marzipan" in text for text in tokenised)
    saved = _saved(settings)
    assert len(tokenised) == len(saved.records["zoo"].chunk_ids)
    _same_scores(saved)
    renamed = _answers(settings, embedder, "What was the zebra foal renamed?")[0]
    assert renamed[0] == "zoo" and "Marzipan" in renamed[1]
    assert _answers(settings, embedder, "Where is the new ferry terminal?")[0][0] == "harbour"


def _forget_tokens(settings: Settings, *, tokenizer: str | None = None) -> None:
    """Make the saved index look like one saved before tokens were kept (or by another one)."""
    directory = snapshot_dir(settings)
    meta = json.loads((directory / META).read_text())
    if tokenizer is None:
        meta.pop("tokenizer")
        (directory / TOKENS).unlink()
        (directory / TOKEN_OFFSETS).unlink()
    else:
        meta["tokenizer"] = tokenizer
    (directory / META).write_text(json.dumps(meta))


@pytest.mark.parametrize("tokenizer", [None, "another tokeniser"])
def test_an_index_without_usable_tokens_still_answers_and_the_next_ingest_keeps_them(
    tmp_path: Path,
    settings: Settings,
    embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    tokenizer: str | None,
) -> None:
    folder = _corpus(tmp_path)
    _ingest(folder, settings, embedder)
    _forget_tokens(settings, tokenizer=tokenizer)

    assert _saved(settings).lexical.tokens is None
    assert _answers(settings, embedder, "Which kettles may overheat?")[0][0] == "kettle"

    _edit_zoo(folder)
    tokenised = _tokenised(monkeypatch)
    _ingest(folder, settings, embedder)

    saved = _saved(settings)
    assert len(tokenised) == len(saved.chunk_ids)  # every chunk, once
    assert saved.lexical.tokens is not None
    _same_scores(saved)
    assert _answers(settings, embedder, "What was the zebra foal renamed?")[0][0] == "zoo"


def test_unreadable_saved_tokens_make_the_snapshot_rebuild(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _ingest(_corpus(tmp_path), settings, embedder)
    (snapshot_dir(settings) / TOKEN_OFFSETS).write_bytes(b"not numpy")

    assert read_saved(snapshot_dir(settings)) is None  # ignored: a reader rebuilds it
    assert _answers(settings, embedder, "What is the zebra foal called?")[0][0] == "zoo"
    _same_scores(_saved(settings))


PARAGRAPHS = [
    f"Paragraph {n} of the council report: the {topic} budget was set for the coming year."
    for n, topic in enumerate(["road", "library", "harbour", "school", "park", "bridge"] * 6)
]


def test_an_added_paragraph_embeds_only_the_chunks_it_changed(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = tmp_path / "articles"
    write_article(folder, "council.md", "\n\n".join(PARAGRAPHS), id="council", title="Council")
    _ingest(folder, settings, embedder)
    before = len(_saved(settings).records["council"].chunk_ids)
    added = "Late addition: the aquarium on Pellow Street will reopen in March."
    write_article(
        folder, "council.md", "\n\n".join([*PARAGRAPHS, added]), id="council", title="Council"
    )
    counting = CountingEmbedder(embedder)

    summary = ingest(
        [folder], settings=settings, embedder=counting, after_write=snapshot_hook(settings)
    )

    assert summary.updated == ["council"] and before > 3
    assert 0 < counting.calls < summary.chunks_written
    assert summary.chunks_reused == summary.chunks_written - counting.calls
    store = open_store(settings)
    ids = store.records()["council"].chunk_ids
    got = store.chunks.get(ids=ids, include=["documents", "embeddings"])
    again = embedder.embed([titled("Council", text) for text in got["documents"]])
    assert np.allclose(np.asarray(got["embeddings"]), again, atol=1e-6)
    hits = _answers(settings, embedder, "When will the aquarium on Pellow Street reopen?")
    assert hits[0][0] == "council" and "Pellow Street" in hits[0][1]


def test_chunks_without_terms_and_repeated_terms_score_as_bm25s_scores_them() -> None:
    texts = ["", "the of a", "zebra zebra zebra foal", "foal", "Zebras and a ferry", "ferry " * 9]
    ids = [f"doc{i}::hash::00000" for i in range(len(texts))]
    retriever = bm25s.BM25()
    retriever.index(lexical.terms(texts), show_progress=False)
    reference = lexical.LexicalIndex(retriever, ids)
    first = lexical.build_lexical_index(ids[:4], texts.__getitem__)
    built = lexical.build_lexical_index(ids, texts.__getitem__, previous=first)

    for query in ["zebra", "foal ferry", "zebras of the ferry", "unknown"]:
        assert built.search(query, 6) == reference.search(query, 6)
    assert built.idf() == reference.idf()
