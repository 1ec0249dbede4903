"""Manage the indexed sources from Discord: add a file or a web page, forget a source, list them.

Plain blocking functions (the admin commands run them in a worker thread); no discord.py here.
A URL is fetched by the web sources' fetcher (robots.txt, rate limits and the SSRF guard apply;
its id is the page's canonical URL), and `/citebot sync` runs the sources file like `citebot
sync`. An upload is kept in `<feedback folder>/discord-uploads/` as a Markdown file whose front
matter sets the stable id `discord:<filename>`, so uploading the same file again changes nothing
and a new version replaces the old one, and `citebot ingest` never sees a temporary path.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import yaml

from bot.app import Citebot
from bot.feedback import feedback_path
from ingest.index.errors import CitebotError
from ingest.index.locking import ingest_lock
from ingest.index.models import Document
from ingest.index.snapshot import snapshot_hook, update_snapshot
from ingest.index.store import DocRecord
from ingest.loaders import SUPPORTED, load_paths
from ingest.pipeline import IngestSummary, ingest
from ingest.sources.config import DEFAULT_FILE, load_sources
from ingest.sources.crawl import is_url
from ingest.sources.sync import Outcome, sync_sources

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
UPLOAD_PREFIX = "discord:"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRejected(CitebotError):
    """An uploaded file that cannot be ingested (type, size, content)."""


class UnknownSource(CitebotError):
    """No indexed source matches what the admin asked to forget."""


class NoSourcesFile(CitebotError):
    """`/citebot sync` without a sources file."""


@dataclasses.dataclass
class IngestProgress:
    """Progress hooks for `ingest`, read from the event loop while a worker thread ingests."""

    total: int = 0
    done: int = 0
    stage: str = "reading the file"

    def start(self, total_chunks: int) -> None:
        """Embedding starts."""
        self.total, self.stage = total_chunks, "embedding"

    def advance(self, chunks: int) -> None:
        """More chunks are embedded."""
        self.done += chunks

    def grow(self, chunks: int) -> None:
        """More chunks are to be embedded (web pages still arriving)."""
        self.total += chunks


def safe_name(filename: str) -> str:
    """A name safe on disk and in an id: `Q3 report (final).md` -> `Q3_report_final_.md`."""
    name = _UNSAFE.sub("_", Path(filename).name).strip("._") or "upload"
    return name[:120]


def uploads_dir(citebot: Citebot) -> Path:
    """Where uploaded sources are kept (beside the feedback file)."""
    return feedback_path(citebot.settings).parent / "discord-uploads"


def check_upload(filename: str, size: int, max_mb: float) -> None:
    """Refuse what cannot be ingested before downloading it."""
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRejected(
            f"{filename!r} is not a file type I can read.",
            hint="Attach a .md, .txt, .html, .pdf or .docx file.",
        )
    if suffix not in SUPPORTED:
        raise UploadRejected(
            f"This version of citebot cannot read {suffix} files yet.",
            hint="Convert it to Markdown, text or HTML and attach that.",
        )
    if size > max_mb * 1_000_000:
        raise UploadRejected(
            f"{filename!r} is {size / 1e6:.1f} MB; the limit is {max_mb:g} MB.",
            hint="Split it, or raise CITEBOT_MAX_FILE_MB.",
        )


def add_upload(
    citebot: Citebot, filename: str, data: bytes, progress: IngestProgress
) -> IngestSummary:
    """Ingest an uploaded file under the id `discord:<filename>`."""
    settings = citebot.settings
    name = safe_name(filename)
    folder = uploads_dir(citebot)
    originals = folder / "originals"
    originals.mkdir(parents=True, exist_ok=True)
    original = originals / name
    original.write_bytes(data)
    loaded = load_paths([original], max_bytes=int(settings.max_file_mb * 1_000_000))
    if not loaded.documents:
        reason = loaded.skipped[0].reason if loaded.skipped else "no article text found"
        original.unlink(missing_ok=True)
        raise UploadRejected(f"I could not read {filename!r}: {reason}.")
    document = dataclasses.replace(loaded.documents[0], doc_id=UPLOAD_PREFIX + name)
    stored = folder / f"{name}.md"
    stored.write_text(_as_markdown(document), encoding="utf-8")
    progress.stage = "chunking"
    return _ingest_one(citebot, stored, progress)


def _ingest_one(citebot: Citebot, target: Path | str, progress: IngestProgress) -> IngestSummary:
    """Ingest one file or URL into the bot's own store, refreshing BM25 after the write."""
    settings = citebot.settings
    return ingest(
        [target],
        settings=settings,
        embedder=citebot.embedder,
        progress=progress,
        after_write=snapshot_hook(settings),
        store=citebot.store,
    )


def add_url(citebot: Citebot, url: str, progress: IngestProgress) -> IngestSummary:
    """Fetch and ingest one web page (the fetcher's rules apply: robots.txt, SSRF guard)."""
    url = url.strip()
    if not is_url(url):
        raise UploadRejected(f"{url!r} is not a web address.", hint="Give an http(s):// URL.")
    progress.stage = "fetching the page"
    summary = _ingest_one(citebot, url, progress)
    if not (summary.added or summary.updated or summary.upgraded or summary.unchanged):
        reason = summary.skipped[0].reason if summary.skipped else "no article text found"
        raise UploadRejected(f"I could not add {url}: {reason}.")
    return summary


def sync_all(citebot: Citebot) -> list[Outcome]:
    """Ingest every source of the sources file now (each on its own; failures are reported)."""
    settings = citebot.settings
    if not DEFAULT_FILE.exists():
        raise NoSourcesFile(
            f"There is no sources file ({DEFAULT_FILE}) in the bot's working folder.",
            hint="Create one (see the README: Keep it fresh), or add files with /citebot add.",
        )
    plan = load_sources(DEFAULT_FILE, max_pages=settings.max_pages)
    return sync_sources(
        plan,
        settings=settings,
        embedder=citebot.embedder,
        after_write=snapshot_hook(settings),
    )


def describe_sync(outcomes: list[Outcome]) -> str:
    """One line per synced source."""
    lines = []
    for outcome in outcomes:
        s = outcome.summary
        if outcome.ok and s is not None:
            lines.append(
                f"✅ {outcome.source.name}: {len(s.added)} added, {len(s.updated)} updated, "
                f"{len(s.unchanged)} unchanged, {len(s.removed)} removed, {len(s.skipped)} skipped"
            )
        else:
            lines.append(f"❌ {outcome.source.name}: {outcome.error}")
    return "\n".join(lines) or "The sources file lists nothing to sync."


def _as_markdown(document: Document) -> str:
    meta = {
        "id": document.doc_id,
        "title": document.title,
        "url": document.url,
        "source": document.source,
        "published_date": document.published_date,
        "author": document.author,
    }
    front = yaml.safe_dump({k: v for k, v in meta.items() if v}, allow_unicode=True)
    return f"---\n{front}---\n\n{document.text}\n"


def find_source(records: dict[str, DocRecord], key: str) -> DocRecord:
    """The record whose id or url is `key`, or whose id starts with it (autocomplete cuts ids)."""
    key = key.strip()
    if key in records:
        return records[key]
    by_url = [r for r in records.values() if r.url and r.url == key]
    by_prefix = [r for r in records.values() if key and r.doc_id.startswith(key)]
    for matches in (by_url, by_prefix):
        if len(matches) == 1:
            return matches[0]
    if len(by_prefix) > 1:
        raise UnknownSource(
            f"{len(by_prefix)} sources start with {key!r}.", hint="Pick one from the list."
        )
    raise UnknownSource(
        f"No indexed source has the id or URL {key!r}.", hint="See /citebot sources."
    )


def forget(citebot: Citebot, key: str) -> DocRecord:
    """Remove one source (record, chunks, its upload) and refresh the BM25 index."""
    store, settings = citebot.store, citebot.settings
    with ingest_lock(settings):
        record = find_source(store.records(), key)
        store.bump_generation()
        store.delete_documents([record])
        store.bump_generation()
        update_snapshot(store, settings)
    if record.doc_id.startswith(UPLOAD_PREFIX):
        name = record.doc_id.removeprefix(UPLOAD_PREFIX)
        folder = uploads_dir(citebot)
        for path in (folder / f"{name}.md", folder / "originals" / name):
            path.unlink(missing_ok=True)
    return record


def matching(records: dict[str, DocRecord], text: str) -> list[DocRecord]:
    """Sources whose id, title, url or source contain `text` (case-insensitive), newest first."""
    needle = text.strip().casefold()
    found = [
        r
        for r in records.values()
        if not needle
        or any(needle in value.casefold() for value in (r.doc_id, r.title, r.url, r.source))
    ]
    return sorted(found, key=lambda r: (r.published_date or "", r.doc_id), reverse=True)


def describe(summary: IngestSummary, name: str) -> str:
    """One line about what adding a source did."""
    if summary.added:
        return f"Added `{name}` ({summary.chunks_written} passages)."
    if summary.updated:
        return f"Updated `{name}` ({summary.chunks_written} passages re-indexed)."
    return f"`{name}` is already indexed and unchanged."
