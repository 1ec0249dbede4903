"""Loading the supported formats, with their metadata and stable ids."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.loaders import load_paths
from tests.conftest import SEEDS, write_article

MB = 10_000_000


def test_markdown_front_matter_is_read(tmp_path: Path) -> None:
    write_article(
        tmp_path,
        "a.md",
        "# Ignored heading\n\nBody text here.",
        id="art-1",
        title="Ignored heading",
        url="https://example.com/a",
        source="example.com",
        published_date="2024-03-15",
        author="Jane Doe",
    )
    (doc,) = load_paths([tmp_path], max_bytes=MB).documents
    assert doc.doc_id == "art-1"
    assert doc.title == "Ignored heading"
    assert doc.url == "https://example.com/a"
    assert doc.published_date == "2024-03-15"
    assert doc.author == "Jane Doe"
    assert doc.text == "Body text here."  # the repeated title line is dropped


def test_ids_default_to_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "note.txt").write_text("Plain text article.\n\nWith two paragraphs.")
    (doc,) = load_paths([folder], max_bytes=MB).documents
    assert doc.doc_id == "articles/sub/note.txt"  # relative to the working directory (tmp_path)
    again = load_paths([folder / "sub" / "note.txt"], max_bytes=MB).documents[0]
    assert again.doc_id == doc.doc_id


def test_an_untitled_article_is_titled_by_its_opening_sentence_not_its_dateline(
    tmp_path: Path,
) -> None:
    """A source shown as "CNN —" tells a reader nothing: the title is the story's first sentence."""
    (tmp_path / "a.md").write_text(
        '---\nid: a\ntitle: ""\n---\n\n# \n\nSign up for our science newsletter.\n\n'
        "New York CNN Business —\n\nPrices at the pump continue to sink, providing relief to "
        "inflation-weary consumers and an economy on the brink. Analysts expect more.\n"
    )
    (tmp_path / "b.txt").write_text("Adele is returning to Las Vegas. The shows start in November.")
    a, b = load_paths([tmp_path], max_bytes=MB).documents
    assert a.title == (
        "Prices at the pump continue to sink, providing relief to inflation-weary consumers "
        "and an economy…"
    )
    assert len(a.title) <= 100
    assert b.title == "Adele is returning to Las Vegas."
    assert a.title_is_lede and b.title_is_lede  # shown as titles, read as no headline


def test_html_article_text_and_title_are_extracted(tmp_path: Path) -> None:
    body = " ".join(["The city council approved the new bike lanes on Tuesday."] * 6)
    (tmp_path / "page.html").write_text(
        "<html><head><title>Bike lanes approved</title></head><body>"
        "<nav>Home | News | Sports</nav>"
        f"<article><h1>Bike lanes approved</h1><p>{body}</p><p>{body}</p></article>"
        "<footer>Copyright 2024</footer></body></html>"
    )
    result = load_paths([tmp_path], max_bytes=MB)
    (doc,) = result.documents
    assert doc.title == "Bike lanes approved"
    assert "approved the new bike lanes" in doc.text
    assert "Copyright" not in doc.text


def test_jsonl_lines_become_documents(tmp_path: Path) -> None:
    rows = [
        {"id": "j1", "title": "One", "text": "First article text.", "published_date": "2023-01-02"},
        {"title": "Two", "text": "Second article text."},
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    docs = load_paths([tmp_path], max_bytes=MB).documents
    assert [d.doc_id for d in docs] == ["j1", "feed.jsonl:2"]
    assert docs[0].published_date == "2023-01-02"


def test_project_seed_is_clean_and_has_front_matter() -> None:
    (doc,) = load_paths([SEEDS], max_bytes=MB).documents
    assert doc.doc_id == "seed-nissan-honda-ev"
    assert "2040" in doc.title
    assert "{{" not in doc.text
    assert "100 percent electric and fuel cell vehicle sales by 2040" in doc.text
    raw = next(SEEDS.glob("*.md")).read_text()
    assert raw.startswith("---\n") and "adFree" not in raw
