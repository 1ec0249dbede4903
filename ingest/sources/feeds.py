"""RSS and Atom feeds (feedparser): each entry's link, date and, when the feed carries it, its
full content."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from ingest.sources.documents import UnreadableDocument

FULL_CONTENT_CHARS = 200  # shorter entry content is a teaser: fetch the article instead


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry: where it links, its date and title, and its full HTML content if carried."""

    link: str
    doc_id: str
    title: str
    published_date: str
    author: str
    content: str  # the entry's full HTML ("" when the feed carries only a summary)


def parse_feed(content: bytes, url: str) -> tuple[str, list[FeedEntry]]:
    """The feed's title and entries; raise `UnreadableDocument` when it is not a feed."""
    import feedparser

    # A file object, never a string: feedparser fetches strings that look like URLs itself.
    parsed: Any = feedparser.parse(io.BytesIO(content), sanitize_html=True)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise UnreadableDocument(f"not a readable RSS or Atom feed ({problem or 'no entries'})")
    entries = []
    for index, entry in enumerate(parsed.entries):
        link = urljoin(url, str(entry.get("link", "")).strip()) if entry.get("link") else ""
        guid = str(entry.get("id", "")).strip()
        doc_id = link or (guid if guid.startswith(("http://", "https://")) else "")
        doc_id = doc_id or f"{url}#{guid or index}"
        entries.append(
            FeedEntry(
                link=link,
                doc_id=doc_id,
                title=str(entry.get("title", "")).strip(),
                published_date=_entry_date(entry),
                author=str(entry.get("author", "")).strip(),
                content=_full_content(entry),
            )
        )
    return str(parsed.feed.get("title", "")).strip(), entries


def _entry_date(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    return ""


def _full_content(entry: Any) -> str:
    values = [str(c.get("value", "")) for c in entry.get("content", []) or []]
    best = max(values, key=len, default="")
    return best if len(best) >= FULL_CONTENT_CHARS else ""
