"""robots.txt (RFC 9309, parsed by protego): what a site lets citebot fetch, and how often."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from ingest.sources.errors import FetchError, FetchRefused

AGENT = "citebot"
MAX_CRAWL_DELAY = 60.0


class _Answer(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def body(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """One origin's rules: a parsed robots.txt, allow-all, or a refusal to fetch anything."""

    parser: Any = None  # protego.Protego, or None to allow everything
    refusal: str = ""
    crawl_delay: float = 0.0

    def check(self, url: str) -> None:
        """Raise `FetchRefused` unless citebot may fetch `url`."""
        if self.refusal:
            raise FetchRefused(self.refusal)
        if self.parser is not None and not self.parser.can_fetch(url, AGENT):
            host = urlsplit(url).netloc
            raise FetchRefused(f"robots.txt of {host} disallows citebot from this URL")


def read_robots(origin: str, get: Callable[[str, dict[str, str]], _Answer]) -> RobotsRules:
    """Fetch and parse `origin`'s robots.txt with `get` (the fetcher's guarded request)."""
    from protego import Protego

    host = urlsplit(origin).netloc
    try:
        answer = get(f"{origin}/robots.txt", {})
    except FetchRefused:
        raise
    except FetchError as exc:
        return RobotsRules(refusal=f"robots.txt of {host} could not be read ({exc})")
    status = answer.status_code
    if 400 <= status < 500 or 300 <= status < 400:
        return RobotsRules()  # no robots.txt: everything is allowed (RFC 9309, 2.3.1.3)
    if status != 200:
        # RFC 9309, 2.3.1.4: a server error on robots.txt means "assume complete disallow".
        return RobotsRules(
            refusal=f"robots.txt of {host} answered HTTP {status}; citebot fetches nothing from "
            "a site until it can read what the site allows"
        )
    parser = Protego.parse(answer.body.decode("utf-8", "replace"))
    delay = parser.crawl_delay(AGENT) or 0.0
    return RobotsRules(parser=parser, crawl_delay=min(float(delay), MAX_CRAWL_DELAY))
