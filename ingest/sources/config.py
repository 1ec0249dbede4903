"""The sources file (`citebot.toml`): folders, URLs, feeds and sitemaps to keep in the index.

[[source]]
name = "newsroom"                      # optional; shown by `citebot status`
url = "https://example.org/feed.xml"   # or: path = "articles/"
include = ["*/news/*"]                 # feed/sitemap pages to read (globs on the URL)
exclude = ["*/video/*"]
max_pages = 200                        # pages per feed or sitemap
every = "1h"                           # refresh interval under `sync --every` (default: its)
prune = false                          # remove documents gone from the source
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.index.errors import ConfigError
from ingest.sources.crawl import WebOptions, is_url

DEFAULT_FILE = Path("citebot.toml")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_KEYS = {"name", "url", "path", "include", "exclude", "max_pages", "every", "prune"}


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the sources file."""

    name: str
    target: str  # a URL, or a path relative to the sources file's folder made absolute
    options: WebOptions
    every: float = 0.0  # seconds; 0: on every round
    prune: bool = False

    @property
    def is_web(self) -> bool:
        """True for a URL source."""
        return is_url(self.target)


def parse_duration(value: str) -> float:
    """Seconds in "15m", "1h30m", "45s", "1d"; raise `ValueError` otherwise."""
    text = value.strip().lower().replace(" ", "")
    parts = _DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration like 15m, 1h or 1h30m")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{value!r} is not a positive duration")
    return seconds


def load_sources(path: Path, *, max_pages: int) -> list[Source]:
    """Read and check the sources file; raise `ConfigError` saying what to fix."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no sources file {path}.",
            hint="Create citebot.toml with [[source]] entries (see README: Keep it fresh), "
            "or pass --sources FILE.",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc.strerror or exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path} lists no sources: add [[source]] entries with a url or path.")
    sources = [_source(entry, i, path, max_pages) for i, entry in enumerate(entries, start=1)]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: source names must be unique ({', '.join(duplicates)}).")
    return sources


def _source(entry: Any, number: int, path: Path, max_pages: int) -> Source:
    where = f"{path}: source {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not a table ([[source]] with key = value lines).")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})."
        )
    url, folder = entry.get("url"), entry.get("path")
    if bool(url) == bool(folder):
        raise ConfigError(f"{where} needs exactly one of url = ... or path = ....")
    if url is not None and not is_url(str(url)):
        raise ConfigError(f"{where}: url must start with http:// or https:// (got {url!r}).")
    target = str(url).strip() if url else str((path.parent / str(folder)).absolute())
    try:
        every = parse_duration(str(entry["every"])) if "every" in entry else 0.0
        options = WebOptions(
            include=tuple(str(p) for p in entry.get("include", ())),
            exclude=tuple(str(p) for p in entry.get("exclude", ())),
            max_pages=int(entry.get("max_pages", max_pages)),
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: {exc}.") from None
    if options.max_pages < 1:
        raise ConfigError(f"{where}: max_pages must be at least 1.")
    name = str(entry.get("name") or (url or folder)).strip()
    return Source(name, target, options, every, bool(entry.get("prune", False)))
