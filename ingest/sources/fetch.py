"""Polite, guarded HTTP fetching: every URL citebot reads goes through `Fetcher.fetch`.

Polite: a `citebot/<version>` User-Agent, robots.txt honoured (with its Crawl-delay), at most
`concurrency` requests at a time and `rate` per second to any one host, and ETag/Last-Modified
revalidation. Safe: connections go only to addresses the SSRF guard accepted (checked at connect
time, for every redirect hop), redirects are followed by hand up to a limit with loops detected,
and every response is bounded in time, size and content type.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx2

from ingest.sources.errors import FetchError
from ingest.sources.guard import GuardedTransport, Resolver, check_scheme
from ingest.sources.robots import RobotsRules, read_robots

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
ACCEPTED_TYPES = (
    "text/html", "application/xhtml+xml", "text/xml", "application/xml", "application/rss+xml",
    "application/atom+xml", "application/rdf+xml", "text/plain", "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/gzip", "application/x-gzip", "application/octet-stream",
)  # fmt: skip


def user_agent() -> str:
    """`citebot/<version> (+project URL)`: names the bot so site owners can find and block it."""
    try:
        release = version("citebot")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        release = "0"
    return f"citebot/{release} (+https://github.com/citebot/citebot)"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for one run of fetching (built from the settings)."""

    timeout: float = 20.0
    retries: int = 2
    backoff: float = 0.5
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    concurrency: int = 4
    rate: float = 10.0  # requests per second per host (0: no limit)
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: 200 with its body, or 304 (unchanged since the validators we sent)."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        """True for a 304."""
        return self.status == 304


class _Host:
    """Per-host politeness: a concurrency slot and the earliest time of the next request."""

    def __init__(self, concurrency: int) -> None:
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_at = 0.0
        self.delay = 0.0


class Fetcher:
    """Fetch URLs politely and safely; thread-safe, one per ingest run."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolve: Resolver | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self._client = httpx2.Client(
            transport=transport or GuardedTransport(resolve, allow_private=policy.allow_private),
            headers={"User-Agent": user_agent()},
            timeout=httpx2.Timeout(policy.timeout),
            follow_redirects=False,
            trust_env=False,
        )
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, RobotsRules] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def fetch(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url` (following redirects by hand); raise `FetchError` with the reason."""
        current = _without_fragment(url)
        seen = {current}
        for _ in range(self.policy.max_redirects + 1):
            check_scheme(current)  # a redirect to file:// or ftp:// stops here
            self._check_robots(current)
            response = self._send(current, headers or {})
            if response.status_code in {301, 302, 303, 307, 308}:
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchError(f"HTTP {response.status_code} redirect without a Location")
                current = _without_fragment(urljoin(current, location))
                if current in seen:
                    raise FetchError(f"redirect loop (back to {current})")
                seen.add(current)
                continue
            return self._finish(current, response)
        raise FetchError(f"more than {self.policy.max_redirects} redirects (CITEBOT_MAX_REDIRECTS)")

    def _finish(self, url: str, response: Response) -> Fetched:
        etag = response.headers.get("ETag", "")
        modified = response.headers.get("Last-Modified", "")
        if response.status_code == 304:
            return Fetched(url, 304, etag=etag, last_modified=modified)
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code} {response.reason}".strip())
        return Fetched(url, 200, response.body, response.content_type, etag, modified)

    def _send(self, url: str, headers: dict[str, str]) -> Response:
        attempt = 0
        while True:
            try:
                with self._slot(url):
                    response = self._get(url, headers)
            except FetchError as exc:
                if not isinstance(exc, _Transient) or attempt >= self.policy.retries:
                    raise
                wait = self.policy.backoff * 2**attempt
            else:
                if response.status_code not in RETRY_STATUS or attempt >= self.policy.retries:
                    return response
                wait = _retry_after(
                    response.headers.get("Retry-After"), self.policy.backoff * 2**attempt
                )
            attempt += 1
            log.info("retrying %s in %.1fs (attempt %d)", url, wait, attempt + 1)
            time.sleep(wait)

    def _get(self, url: str, headers: dict[str, str]) -> Response:
        limit = self.policy.max_bytes
        deadline = time.monotonic() + self.policy.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                kind = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
                body = b""
                if response.status_code == 200:
                    if kind and not kind.startswith(ACCEPTED_TYPES):
                        raise FetchError(
                            f"content type {kind} is not an article, feed, sitemap, PDF or DOCX"
                        )
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise FetchError(_too_big(limit))
                    body = b"".join(_bounded(response.iter_bytes(), limit, deadline, self.policy))
                return Response(
                    response.status_code, response.reason_phrase, response.headers, kind, body
                )
        except FetchError:
            raise
        except httpx2.TimeoutException:
            raise _retryable(
                f"timed out after {self.policy.timeout:g}s (CITEBOT_FETCH_TIMEOUT)"
            ) from None
        except httpx2.TransportError as exc:
            raise _retryable(f"cannot connect ({type(exc).__name__}: {exc})") from None

    @contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        host = self._host(urlsplit(url).netloc)
        with host.slots:
            with host.lock:
                interval = max(1.0 / self.policy.rate if self.policy.rate else 0.0, host.delay)
                now = time.monotonic()
                wait = max(0.0, host.next_at - now)
                host.next_at = max(now, host.next_at) + interval
            if wait:
                time.sleep(wait)
            yield

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            rules = self._robots.get(origin)
        if rules is None:
            rules = read_robots(origin, self._send)
            if rules.crawl_delay:
                self._host(parts.netloc).delay = rules.crawl_delay
            with self._lock:
                self._robots[origin] = rules
        rules.check(url)

    def _host(self, netloc: str) -> _Host:
        with self._lock:
            if netloc not in self._hosts:
                self._hosts[netloc] = _Host(self.policy.concurrency)
            return self._hosts[netloc]


@dataclass(frozen=True, slots=True)
class Response:
    status_code: int
    reason: str
    headers: httpx2.Headers
    content_type: str
    body: bytes


def _bounded(
    chunks: Iterable[bytes], limit: int, deadline: float, policy: FetchPolicy
) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise FetchError(_too_big(limit))
        if time.monotonic() > deadline:
            raise _retryable(f"timed out after {policy.timeout:g}s (CITEBOT_FETCH_TIMEOUT)")
        yield chunk


def _too_big(limit: int) -> str:
    return f"larger than the {limit / 1e6:g} MB limit (CITEBOT_MAX_FILE_MB)"


class _Transient(FetchError):
    """A failure worth retrying (a timeout or a dropped connection)."""


def _retryable(message: str) -> FetchError:
    return _Transient(message)


def _retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    if value.strip().isdigit():
        return min(float(value), 30.0)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return default
    return min(max(0.0, when - time.time()), 30.0)


def _without_fragment(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
