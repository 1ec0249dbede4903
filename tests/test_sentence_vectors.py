"""Sentence vectors pooled at ingest: stored with each chunk, kept on re-ingest, read by answers.

The answerer's similarity feature compares the question with candidate sentences. Ingest pools
the chunk's own token vectors over each sentence, so a question embeds only itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.language.sentences import split_sentences
from ingest.index.sentence_vectors import META_KEY, decode, encode, sentence_spans
from ingest.index.snapshot import snapshot_hook
from ingest.index.store import open_store
from ingest.pipeline import ingest
from ingest.reuse import Stored, embed_new
from tests.conftest import write_article

TITLE = "Nissan and Honda in talks"
TEXT = (
    "Nissan said on Monday it is in talks with Honda about a closer partnership. "
    "The talks were first reported by TV Tokyo on Sunday evening. "
    "The new electric Micra will be built at a plant in northern France."
)


class SpyEmbedder:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, inner: LocalEmbedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts, progress)

    def preload(self) -> None:
        self.inner.preload()


class PoolingSpy(SpyEmbedder):
    """The spy, pooling sentence spans like the real embedder."""

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: Any = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.texts.extend(texts)
        return self.inner.embed_spans(texts, spans, progress)


def _ingest(tmp_path: Path, settings: Settings, embedder: Any, text: str = TEXT) -> Path:
    folder = tmp_path / "articles"
    write_article(folder, "talks.md", text, id="talks", title=TITLE)
    ingest([folder], settings=settings, embedder=embedder, after_write=snapshot_hook(settings))
    return folder


def _answerer(settings: Settings, spy: SpyEmbedder) -> Any:
    """The CLI's answerer over the store, its question path embedding through `spy`."""
    answerer = build_citebot(settings).answerer
    answerer.embedder = spy
    answerer.retriever.embedder = spy  # type: ignore[attr-defined]
    return answerer


def _stored(settings: Settings) -> dict[str, tuple[str, str]]:
    got = open_store(settings).chunks.get(include=["documents", "metadatas"])
    return {
        cid: (text or "", str((meta or {}).get(META_KEY, "")))
        for cid, text, meta in zip(
            got["ids"], got["documents"], got["metadatas"] or [], strict=True
        )
    }


def test_encoded_vectors_round_trip_to_the_same_cosines() -> None:
    rng = np.random.default_rng(7)
    rows = rng.normal(size=(5, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    rows[2] = 0.0  # a sentence past the model's truncation
    back = decode(encode(rows), 384)
    assert back.shape == rows.shape
    assert not back[2].any()
    assert np.abs(back @ rows[0] - rows @ rows[0]).max() < 0.02
    with pytest.raises(ValueError):
        decode(encode(rows), 100)


def test_a_pooled_sentence_vector_finds_the_sentence_that_answers(embedder: LocalEmbedder) -> None:
    embedded = f"{TITLE}\n{TEXT}"
    spans = sentence_spans(TEXT, len(TITLE) + 1)
    assert [embedded[a:b] for a, b in spans] == [s.text for s in split_sentences(TEXT)]
    vectors, pooled = embedder.embed_spans([embedded], [spans])
    assert np.allclose(vectors, embedder.embed([embedded]))  # the chunk's vector is unchanged
    question = embedder.embed(["Who first reported the talks?"])[0]
    assert int(np.argmax(pooled[0] @ question)) == 1  # "... first reported by TV Tokyo ..."
    assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-5)


def test_ingest_stores_one_vector_per_sentence_of_every_chunk(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _ingest(tmp_path, settings, embedder)
    stored = _stored(settings)
    assert stored
    for text, data in stored.values():
        rows = decode(data, 384)
        assert len(rows) == len(split_sentences(text))
        assert all(row.any() for row in rows)


def test_an_answer_embeds_only_the_question(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _ingest(tmp_path, settings, embedder)
    spy = SpyEmbedder(embedder)
    answer = _answerer(settings, spy).answer("Who first reported the talks?")
    assert not answer.refused
    assert "TV Tokyo" in answer.text
    assert spy.texts == ["Who first reported the talks?"]  # one search vector, reused


def test_chunks_stored_without_sentence_vectors_are_still_answered(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    _ingest(tmp_path, settings, SpyEmbedder(embedder))  # an embedder that pools nothing
    assert all(not data for _, data in _stored(settings).values())
    spy = SpyEmbedder(embedder)
    answer = _answerer(settings, spy).answer("Who first reported the talks?")
    assert "TV Tokyo" in answer.text
    assert len(spy.texts) > 1  # the candidate sentences were embedded on the question path
    assert spy.texts.count("Who first reported the talks?") == 1


def test_reingest_keeps_the_sentence_vectors_of_unchanged_chunks(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    long_text = " ".join(
        f"Paragraph {n} says the plant in town {n} makes {n} cars." for n in range(60)
    )
    _ingest(tmp_path, settings, embedder, long_text)
    before = dict(_stored(settings).values())
    spy = PoolingSpy(embedder)
    _ingest(tmp_path, settings, spy, long_text + " One more sentence was added at the end.")
    after = dict(_stored(settings).values())
    kept = [text for text in after if text in before]
    assert kept and all(after[text] == before[text] for text in kept)
    assert len(spy.texts) == len(after) - len(kept)  # only the changed chunk ran the model


def test_a_stored_chunk_without_sentence_vectors_is_embedded_again(
    embedder: LocalEmbedder,
) -> None:
    text = f"{TITLE}\n{TEXT}"
    spans = [sentence_spans(TEXT, len(TITLE) + 1)]
    old = Stored(embedder.embed([text])[0], "")
    embedded = embed_new(embedder, [text], spans, {text: old})
    assert embedded.kept == 0
    assert len(decode(embedded.sentences[0], 384)) == len(spans[0])


def test_an_index_stored_without_sentence_vectors_gets_them_on_the_next_ingest(
    tmp_path: Path, settings: Settings, embedder: LocalEmbedder
) -> None:
    folder = _ingest(tmp_path, settings, SpyEmbedder(embedder))  # as an older citebot stored it
    ids_before = set(_stored(settings))

    def again() -> Any:
        hook = snapshot_hook(settings)
        return ingest([folder], settings=settings, embedder=embedder, after_write=hook)

    upgraded = again()
    assert upgraded.upgraded == ["talks"] and not upgraded.updated and not upgraded.added
    stored = _stored(settings)
    assert set(stored) == ids_before  # the same chunks, now with their sentence vectors
    assert all(data for _, data in stored.values())
    spy = SpyEmbedder(embedder)
    answer = _answerer(settings, spy).answer("Who first reported the talks?")
    assert "TV Tokyo" in answer.text and spy.texts == ["Who first reported the talks?"]
    settled = again()
    assert settled.unchanged == ["talks"] and not settled.changed
