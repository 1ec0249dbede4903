"""ETag / Last-Modified validators of fetched URLs, kept in a small JSON file beside the store.

A URL's entry remembers the validators its server sent, the documents its response produced and
the URLs it led to (a feed's entry links, a sitemap's pages). The next run sends them back; a 304
then means those documents are unchanged, without downloading or embedding anything.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_TEXT_FIELDS = (
    "etag", "last_modified", "lastmod", "kind", "title", "published_date", "author", "source"
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CachedUrl:
    """What the last successful fetch of one URL left behind."""

    etag: str = ""
    last_modified: str = ""
    doc_ids: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    lastmod: str = ""  # the sitemap's <lastmod> for this page when it was fetched
    kind: str = ""
    # What the feed said about this page (kept so a 304 on the feed loses none of it).
    title: str = ""
    published_date: str = ""
    author: str = ""
    source: str = ""

    def conditional_headers(self) -> dict[str, str]:
        """The revalidation headers to send for this URL."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass
class ValidatorCache:
    """URL -> `CachedUrl`; thread-safe; written only by `save`, atomically."""

    path: Path | None = None
    entries: dict[str, CachedUrl] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path | None) -> ValidatorCache:
        """Read the cache (a missing or damaged file is an empty cache: it only costs a fetch)."""
        cache = cls(path=path)
        if path is None or not path.exists():
            return cache
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
            for url, item in raw.get("urls", {}).items():
                fields = {k: str(item.get(k, "")) for k in _TEXT_FIELDS}
                cache.entries[url] = CachedUrl(
                    doc_ids=tuple(str(d) for d in item.get("doc_ids", ())),
                    children=tuple(str(c) for c in item.get("children", ())),
                    **fields,
                )
        except (OSError, ValueError, AttributeError, TypeError):
            log.warning("ignoring the unreadable fetch cache %s", path, exc_info=True)
            cache.entries.clear()
        return cache

    def get(self, url: str, known: set[str] | None = None) -> CachedUrl | None:
        """The entry for `url`, if every document it stands for is still in the index."""
        with self._lock:
            entry = self.entries.get(url)
        if entry is None or (known is not None and not set(entry.doc_ids) <= known):
            return None
        return entry

    def put(self, url: str, entry: CachedUrl) -> None:
        """Remember what fetching `url` produced."""
        with self._lock:
            self.entries[url] = entry

    def save(self) -> None:
        """Write the cache (temp file + rename, so a crash leaves the old file or the new one)."""
        if self.path is None:
            return
        with self._lock:
            data = {"urls": {url: asdict(e) for url, e in sorted(self.entries.items())}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(self.path.name + ".tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        temp.replace(self.path)
