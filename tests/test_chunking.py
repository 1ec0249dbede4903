"""Chunks keep their document's identity and map back to the cleaned text exactly."""

from __future__ import annotations

import itertools

from ingest.chunking import chunk_document, content_hash
from ingest.index.models import Document, chunk_id, parse_chunk_id


def _doc(text: str, **kw: str) -> Document:
    return Document(doc_id=kw.pop("doc_id", "doc-1"), text=text, title=kw.pop("title", "T"), **kw)


def test_offsets_map_back_to_the_text() -> None:
    text = " ".join(f"Sentence number {i} says something about topic {i % 7}." for i in range(200))
    doc = _doc(text)
    chunks = chunk_document(doc, size=300, overlap=60, digest=content_hash(doc))
    assert len(chunks) > 10
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 300
    # Consecutive chunks overlap or touch: nothing in between is lost.
    for before, after in itertools.pairwise(chunks):
        assert after.start <= before.end + 1


def test_chunks_end_at_sentence_boundaries_when_they_can() -> None:
    text = " ".join(
        f"This is sentence {i} of a long article about electric vehicles." for i in range(50)
    )
    doc = _doc(text)
    chunks = chunk_document(doc, size=400, overlap=0, digest=content_hash(doc))
    assert all(c.text.endswith(".") for c in chunks)


def test_paragraphs_are_preferred_split_points() -> None:
    paragraphs = [f"Paragraph {i}. " + "Words here. " * 15 for i in range(6)]
    doc = _doc("\n\n".join(p.strip() for p in paragraphs))
    chunks = chunk_document(doc, size=400, overlap=0, digest=content_hash(doc))
    assert all(c.text.startswith("Paragraph") for c in chunks)


def test_ids_are_deterministic_and_tied_to_content() -> None:
    doc = _doc("Some text. " * 100)
    again = chunk_document(doc, size=200, overlap=20, digest=content_hash(doc))
    first = chunk_document(doc, size=200, overlap=20, digest=content_hash(doc))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    changed = _doc("Other text. " * 100)
    assert chunk_document(changed, size=200, overlap=20, digest=content_hash(changed))[
        0
    ].chunk_id != (first[0].chunk_id)
    assert all(c.doc_id == "doc-1" for c in first)
    assert [c.index for c in first] == list(range(len(first)))


def test_metadata_changes_change_the_hash() -> None:
    assert content_hash(_doc("x", title="A")) != content_hash(_doc("x", title="B"))


def test_chunk_id_round_trips_even_with_colons_in_doc_ids() -> None:
    cid = chunk_id("feed.jsonl:12", "ab" * 32, 7)
    assert parse_chunk_id(cid) == ("feed.jsonl:12", "ab" * 8, 7)
