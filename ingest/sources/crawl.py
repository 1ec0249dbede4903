"""Turn URLs (articles, feeds, sitemaps, PDF and DOCX links) into `Document`s.

Each URL given is a root: an article or document is one `Document`; a feed or a sitemap leads to
pages (children), fetched in parallel within the fetcher's per-host limits. Every URL sends back
the validators of its last fetch when the documents it produced are still indexed, so an
unchanged page costs a 304 and is reported in `LoadResult.unchanged` without being loaded.
A URL that fails becomes a `Skipped` entry, and the documents it produced before are kept.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingest.index.models import Document, LoadResult, Skipped
from ingest.sources.articles import Hints, article_document, html_fragment_text, web_document
from ingest.sources.documents import (
    DOCX_TYPE,
    UnreadableDocument,
    docx_document,
    is_docx,
    is_pdf,
    pdf_document,
)
from ingest.sources.errors import FetchError
from ingest.sources.feeds import parse_feed
from ingest.sources.fetch import Fetched, Fetcher
from ingest.sources.sitemaps import sitemap_pages
from ingest.sources.validators import CachedUrl, ValidatorCache

log = logging.getLogger(__name__)

_DECLARATIONS = re.compile(rb"<\?.*?\?>|<!--.*?-->|<![A-Za-z][^>]*>", re.S)
_FIRST_TAG = re.compile(rb"<([A-Za-z][\w:.-]*)")


def is_url(target: object) -> bool:
    """True for an http(s) URL (as opposed to a file or folder path)."""
    return isinstance(target, str) and target.strip().lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class WebOptions:
    """Per-source choices: which of a feed's or sitemap's pages to read, and how many."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 500

    def wants(self, url: str) -> bool:
        """True when `url` matches an include pattern (if any) and no exclude pattern."""
        if self.include and not any(fnmatch.fnmatchcase(url, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(url, p) for p in self.exclude)


@dataclass(frozen=True, slots=True)
class _Child:
    url: str
    hints: Hints
    lastmod: str = ""


def sniff(fetched: Fetched) -> str:
    """What a response holds: "pdf", "docx", "feed", "sitemap" or "html"."""
    content = fetched.content
    if is_pdf(content):
        return "pdf"
    if fetched.content_type == DOCX_TYPE or is_docx(content):
        return "docx"
    if content[:2] == b"\x1f\x8b":
        return "sitemap"  # a gzipped sitemap (.xml.gz)
    head = _DECLARATIONS.sub(b"", content[:8192].lstrip(b"\xef\xbb\xbf \t\r\n"))
    match = _FIRST_TAG.search(head)
    name = match.group(1).split(b":")[-1].lower() if match else b""
    if name in {b"rss", b"feed", b"rdf"}:
        return "feed"
    if name in {b"urlset", b"sitemapindex"}:
        return "sitemap"
    return "html"


class WebLoader:
    """Load URL roots into one `LoadResult`; `known` is the set of doc ids already indexed."""

    def __init__(
        self,
        fetcher: Fetcher,
        cache: ValidatorCache,
        known: set[str],
        on_document: Callable[[Document], object] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.cache = cache
        self.known = known
        self.on_document = on_document
        self.cancelled = threading.Event()
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}

    def load(self, url: str, options: WebOptions) -> None:
        """Load one URL given by the user (or the sources file)."""
        root = url.strip()
        self.result.web_roots.append(root)
        try:
            children = self._root(root, options)
        except (FetchError, UnreadableDocument) as exc:
            self._skip(root, str(exc))
            return
        except Exception as exc:  # a parser bug on one odd source must not stop the batch
            log.warning("skipping %s: unexpected %s", root, type(exc).__name__, exc_info=True)
            self._skip(root, f"could not be read ({type(exc).__name__})")
            return
        workers = max(1, min(len(children), 2 * self.fetcher.policy.concurrency))
        with ThreadPoolExecutor(workers, thread_name_prefix="citebot-fetch") as pool:
            list(pool.map(lambda child: self._page(child, root), children))

    def _root(self, url: str, options: WebOptions) -> list[_Child]:
        cached = self.cache.get(url, self.known)
        fetched = self.fetcher.fetch(url, headers=_conditional(cached))
        if fetched.not_modified:
            if cached is None:
                raise FetchError("HTTP 304 to a request that was not conditional")
            self._unchanged(url, cached)
            return [self._child_from_cache(c) for c in cached.children]
        kind = sniff(fetched)
        children: list[_Child] = []
        doc_ids: list[str] = []
        if kind == "feed":
            title, entries = parse_feed(fetched.content, fetched.url)
            for entry in entries:
                hints = Hints(entry.title, entry.published_date, entry.author, title)
                if entry.content:
                    body = html_fragment_text(entry.content)
                    doc_ids.extend(self._add_built(entry.doc_id, url, body, hints))
                elif entry.link and options.wants(entry.link):
                    children.append(_Child(entry.link, hints))
        elif kind == "sitemap":
            pages, failures = sitemap_pages(fetched, self.fetcher.fetch)
            for where, reason in failures:
                self._skip(where, reason)
            children = [_Child(p.url, Hints(), p.lastmod) for p in pages if options.wants(p.url)]
        else:
            document = document_from(fetched, root=url, hints=Hints())
            self._add(document)
            doc_ids.append(document.doc_id)
        children = children[: options.max_pages]
        self.cache.put(
            url,
            CachedUrl(
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                doc_ids=tuple(doc_ids),
                children=tuple(c.url for c in children),
                kind=kind,
            ),
        )
        return children

    def _page(self, child: _Child, root: str) -> None:
        if self.cancelled.is_set():
            return
        previous = self.cache.get(child.url)
        cached = self.cache.get(child.url, self.known)
        try:
            if cached is not None and child.lastmod and cached.lastmod == child.lastmod:
                self._unchanged(child.url, cached)  # the sitemap vouches for it: no request
                return
            fetched = self.fetcher.fetch(child.url, headers=_conditional(cached))
            if fetched.not_modified:
                if cached is None:
                    raise FetchError("HTTP 304 to a request that was not conditional")
                self._unchanged(child.url, cached)
                return
            document = document_from(fetched, root=root, hints=child.hints)
        except (FetchError, UnreadableDocument) as exc:
            self._skip(child.url, str(exc), keep=previous.doc_ids if previous else (child.url,))
            return
        except Exception as exc:  # one odd page must not cost the rest of the feed
            log.warning("skipping %s: unexpected %s", child.url, type(exc).__name__, exc_info=True)
            self._skip(child.url, f"could not be read ({type(exc).__name__})")
            return
        self._add(document)
        hints = child.hints
        self.cache.put(
            child.url,
            CachedUrl(
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                doc_ids=(document.doc_id,),
                lastmod=child.lastmod,
                kind="page",
                title=hints.title,
                published_date=hints.published_date,
                author=hints.author,
                source=hints.source,
            ),
        )

    def _child_from_cache(self, url: str) -> _Child:
        entry = self.cache.get(url)
        if entry is None:
            return _Child(url, Hints())
        hints = Hints(entry.title, entry.published_date, entry.author, entry.source)
        return _Child(url, hints, entry.lastmod)

    def _add_built(self, doc_id: str, root: str, body: str, hints: Hints) -> list[str]:
        try:
            document = web_document(
                body,
                doc_id=doc_id,
                root=root,
                title=hints.title,
                published_date=hints.published_date,
                author=hints.author,
                source=hints.source,
            )
        except UnreadableDocument as exc:
            self._skip(doc_id, str(exc))
            return []
        self._add(document)
        return [document.doc_id]

    def _add(self, document: Document) -> None:
        with self._lock:
            first = self._ids.get(document.doc_id)
            if first is not None:
                reason = f"duplicate id {document.doc_id!r} (first in {first})"
                self.result.skipped.append(Skipped(document.path, reason))
                return
            self._ids[document.doc_id] = document.path
            self.result.documents.append(document)
        if self.on_document is not None:
            self.on_document(document)

    def _unchanged(self, url: str, cached: CachedUrl) -> None:
        self.cache.put(url, cached)
        with self._lock:
            self.result.unchanged.extend(cached.doc_ids)

    def _skip(self, where: str, reason: str, keep: Iterable[str] = ()) -> None:
        with self._lock:
            self.result.skipped.append(Skipped(where, reason))
            self.result.kept.extend(keep)


def document_from(fetched: Fetched, *, root: str, hints: Hints) -> Document:
    """The one document a fetched page, PDF or Word file holds."""
    kind = sniff(fetched)
    if kind in {"feed", "sitemap"}:
        raise UnreadableDocument(f"a {kind} linked from another source (give it as a source)")
    if kind == "html":
        return article_document(fetched.content, url=fetched.url, root=root, hints=hints)
    meta = {
        "id": fetched.url,
        "url": fetched.url,
        "title": hints.title or urlsplit(fetched.url).path.rsplit("/", 1)[-1],
        "source": hints.source or urlsplit(fetched.url).hostname or "",
        "published_date": hints.published_date,
    }
    build = pdf_document if kind == "pdf" else docx_document
    return build(fetched.content, meta, path=root)


def _conditional(cached: CachedUrl | None) -> dict[str, str] | None:
    return cached.conditional_headers() if cached is not None else None
