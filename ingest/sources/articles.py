"""Web articles: main text, title, author and date (trafilatura, htmldate), canonical URL as id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ingest.cleaning import clean_text, drop_leading_title
from ingest.index.models import Document
from ingest.metadata import normalise_date
from ingest.sources.documents import UnreadableDocument


@dataclass(frozen=True, slots=True)
class Hints:
    """What a feed (or the sources file) already says about a page; the page may say more."""

    title: str = ""
    published_date: str = ""
    author: str = ""
    source: str = ""


def article_document(content: bytes | str, *, url: str, root: str, hints: Hints) -> Document:
    """Extract the article at `url`; its id and link are the page's canonical URL."""
    import trafilatura

    extracted: Any = trafilatura.bare_extraction(
        content, url=url, with_metadata=True, include_comments=False
    )
    if extracted is None or not getattr(extracted, "text", None):
        raise UnreadableDocument("no article text found in the HTML")
    canonical = canonical_url(str(extracted.url or ""), url)
    date = hints.published_date or str(extracted.date or "") or _htmldate(content, url)
    return web_document(
        str(extracted.text),
        doc_id=canonical,
        root=root,
        title=hints.title or str(extracted.title or ""),
        published_date=date,
        author=str(extracted.author or "") or hints.author,
        source=hints.source or str(extracted.sitename or "") or urlsplit(canonical).hostname or "",
    )


def html_fragment_text(fragment: str) -> str:
    """The text of a feed entry's HTML content."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return clean_text(fragment, markdown=False)
    for block in tree.iter("p", "div", "li", "br", "h1", "h2", "h3", "h4", "blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return clean_text(str(tree.text_content()), markdown=False)


def web_document(
    body: str,
    *,
    doc_id: str,
    root: str,
    title: str,
    published_date: str,
    author: str,
    source: str,
) -> Document:
    """A cleaned `Document` for a web page; `root` (the URL given) is its path, for --prune."""
    text = clean_text(body, markdown=False)
    if title:
        text = drop_leading_title(text, title)
    if not text:
        raise UnreadableDocument("no text left after cleaning")
    return Document(
        doc_id=doc_id,
        text=text,
        title=title.strip() or doc_id,
        url=doc_id,
        source=source,
        published_date=normalise_date(published_date),
        author=author.strip(),
        path=root,
    )


def canonical_url(declared: str, fetched: str) -> str:
    """The page's declared canonical URL when it is on the same host, else the fetched URL."""
    same_host = urlsplit(declared).hostname == urlsplit(fetched).hostname
    if declared.startswith(("http://", "https://")) and same_host:
        return declared.split("#", 1)[0]
    return fetched


def _htmldate(content: bytes | str, url: str) -> str:
    from htmldate import find_date

    try:
        return str(find_date(content, url=url, extensive_search=False) or "")
    except (ValueError, TypeError):
        return ""
