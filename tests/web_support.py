"""A small web site on 127.0.0.1 for the fetching tests: pages, feeds, sitemaps, faults."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What the site answers at one path."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow page)
    validators: bool = True  # send an ETag and honour If-None-Match with 304


@dataclass(frozen=True)
class Hit:
    """One request the site received."""

    path: str
    status: int
    headers: dict[str, str]


class Site:
    """`site.routes[path] = Route(...)`; `site.url(path)`; `site.hits` records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this site."""
        return self.base + path

    def html(self, path: str, title: str, body: str, **meta: str) -> None:
        """Serve an article page at `path`."""
        self.routes[path] = Route(article_html(title, body, canonical=self.url(path), **meta))

    def statuses(self, path: str) -> list[int]:
        """The statuses the site answered `path` with, in order."""
        with self._lock:
            return [h.status for h in self.hits if h.path == path]

    def requests_to(self, path: str) -> list[Hit]:
        """Every request for `path`."""
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.hits.clear()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                entry = site.routes.get(self.path)
                route = entry() if callable(entry) else entry
                if route is None:
                    route = Route(b"not found", "text/plain", 404)
                if route.delay:
                    time.sleep(route.delay)
                etag = f'"{hashlib.sha256(route.body).hexdigest()[:16]}"'
                status = route.status
                revalidated = self.headers.get("If-None-Match") == etag
                if route.validators and status == 200 and revalidated:
                    status = 304
                with site._lock:
                    site.hits.append(Hit(self.path, status, dict(self.headers.items())))
                try:
                    self.send_response(status)
                    if route.validators and route.status == 200:
                        self.send_header("ETag", etag)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    if status == 304:
                        self.end_headers()
                        return
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a size or time limit): that is the point

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve() -> Iterator[Site]:
    """Run a `Site` for the length of a fixture."""
    with Site() as site:
        yield site


def article_html(title: str, body: str, *, canonical: str = "", **meta: str) -> bytes:
    """A realistic article page: navigation, the article with its metadata, a footer."""
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    tags = "".join(f'<meta name="{k}" content="{v}">' for k, v in meta.items())
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<!doctype html><html><head><title>{title}</title>{link}{tags}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright the example newsroom.</footer></body></html>"
    ).encode()


def rss(items: list[tuple[str, str, str, str]], *, title: str = "Example News") -> bytes:
    """An RSS 2.0 feed of (title, link, RFC 822 date, full HTML content or "")."""
    out = []
    for item_title, link, date, content in items:
        encoded = f"<content:encoded><![CDATA[{content}]]></content:encoded>" if content else ""
        out.append(
            f"<item><title>{item_title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{date}</pubDate><description>Short teaser.</description>{encoded}</item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{title}</title><link>http://example.org/</link>{''.join(out)}</channel></rss>"
    ).encode()


def atom(entries: list[tuple[str, str, str]], *, title: str = "Example Atom") -> bytes:
    """An Atom feed of (title, link, ISO date) entries without full content."""
    out = "".join(
        f"<entry><title>{t}</title><link href='{link}'/><id>{link}</id>"
        f"<updated>{date}</updated><summary>Teaser.</summary></entry>"
        for t, link, date in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:example</id><updated>2026-11-30T00:00:00Z</updated>"
        f"{out}</feed>"
    ).encode()


def sitemap(urls: list[tuple[str, str]]) -> bytes:
    """A sitemap of (loc, lastmod) pairs."""
    body = "".join(f"<url><loc>{u}</loc><lastmod>{m}</lastmod></url>" for u, m in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
    ).encode()


def sitemap_index(locs: list[str]) -> bytes:
    """A sitemap index pointing at `locs`."""
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
    ).encode()


def make_pdf(pages: list[str], *, title: str = "") -> bytes:
    """A PDF with one text page per item (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str], *, title: str = "") -> bytes:
    """A Word document with these paragraphs (python-docx)."""
    import io

    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
