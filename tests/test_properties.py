"""Property-based tests: cleaning, front matter, loading and chunking never fail on any input."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, content_hash
from ingest.cleaning import clean_text
from ingest.index.models import Document, parse_chunk_id
from ingest.loaders import SkipFile, load_paths, make_document, split_front_matter

# Text with the characters that break naive code: markup, line and paragraph separators,
# zero-width and combining marks, control characters, emoji, RTL.
TRICKY = st.sampled_from(
    [
        *"<>{}[]()#*_`~!-=|&;:.?/\\\"'\n\r\t\x00\x0b\x0c\x1c\x85",
        *["\u2028", "\u2029", "\u200b", "\ufeff", "\u0301", "\u202e", "🙂", "ﬁ", "ß", "İ", "---"],
        *["<p>", "</div>", "{{x}}", "{% if %}", "<!--", "-->", "&amp;", "&#x0;", "[a](http://b)"],
    ]
)
ANY_TEXT = st.lists(st.one_of(st.text(max_size=30), TRICKY), max_size=60).map("".join)
# Long enough for several chunks: prose-like words between the tricky pieces.
WORDS = st.sampled_from(
    ["The", "plan", "moved", "to", "stage", "3.", "Mr.", "Smith", "said:", "“yes”"]
)
LONG_TEXT = st.lists(
    st.one_of(WORDS.map(lambda w: w + " "), TRICKY, st.text(max_size=12)), min_size=40, max_size=200
).map("".join)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=ANY_TEXT, markdown=st.booleans())
def test_cleaning_never_raises_and_leaves_no_control_characters(text: str, markdown: bool) -> None:
    cleaned = clean_text(text, markdown=markdown)

    assert cleaned == cleaned.strip()
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in cleaned)
    assert "\n\n\n" not in cleaned


@FAST
@given(text=ANY_TEXT)
def test_front_matter_and_documents_fail_only_with_a_skip_reason(text: str) -> None:
    try:
        meta, body, _ = split_front_matter(text, "f.md")
        document = make_document(meta, body, path=Path("f.md"), markdown=True)
    except SkipFile as exc:
        assert str(exc)
        return
    assert document.text and document.doc_id and document.title


@FAST
@given(
    text=st.one_of(ANY_TEXT, LONG_TEXT).filter(lambda t: clean_text(t).strip() != ""),
    size=st.integers(100, 400),
    overlap=st.integers(0, 200),
)
def test_chunk_offsets_always_map_back_to_the_cleaned_text(
    text: str, size: int, overlap: int
) -> None:
    document = Document(doc_id="doc", text=clean_text(text), title="t")
    digest = content_hash(document)

    chunks = chunk_document(document, size=size, overlap=overlap, digest=digest)

    assert chunks, "non-empty text gives at least one chunk"
    for index, chunk in enumerate(chunks):
        assert document.text[chunk.start : chunk.end] == chunk.text
        assert chunk.index == index and chunk.text.strip()
        assert parse_chunk_id(chunk.chunk_id) == ("doc", digest[:16], index)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


@settings(max_examples=100, deadline=None)
@given(
    raw=st.one_of(st.binary(max_size=400), ANY_TEXT.map(lambda t: t.encode("utf-8"))),
    suffix=st.sampled_from([".md", ".txt", ".html", ".jsonl"]),
)
@example(raw=b"\t", suffix=".jsonl")  # found by hypothesis: was silently ignored
def test_loading_any_bytes_gives_documents_or_reasons_never_an_exception(
    raw: bytes, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(raw)

        result = load_paths([Path(folder)], max_bytes=10_000)

    for skipped in result.skipped:
        assert skipped.where.startswith(str(path)) and skipped.reason
    for document in result.documents:
        assert document.text.strip()
    assert result.documents or result.skipped
