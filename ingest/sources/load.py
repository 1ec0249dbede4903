"""Load the URLs of one ingest run: build the fetcher from the settings, read, merge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ingest.index.models import LoadResult, Skipped
from ingest.index.settings import IngestSettings
from ingest.sources.crawl import WebOptions
from ingest.sources.fetch import FetchPolicy
from ingest.sources.guard import Resolver
from ingest.sources.validators import ValidatorCache


def fetch_policy(settings: IngestSettings) -> FetchPolicy:
    """The fetcher's limits, from the settings."""
    return FetchPolicy(
        timeout=settings.fetch_timeout,
        retries=settings.fetch_retries,
        max_bytes=int(settings.max_file_mb * 1_000_000),
        max_redirects=settings.max_redirects,
        concurrency=settings.fetch_concurrency,
        rate=settings.fetch_rate,
        allow_private=settings.allow_private_urls,
    )


def validators_path(settings: IngestSettings) -> Path:
    """Where the ETag/Last-Modified cache lives: beside the store, one file per collection."""
    return Path(settings.store) / f"fetch-cache-{settings.collection}.json"


def load_urls(
    urls: Sequence[str],
    *,
    settings: IngestSettings,
    known: set[str],
    options: Mapping[str, WebOptions] | None = None,
    resolve: Resolver | None = None,
) -> tuple[LoadResult, ValidatorCache]:
    """Load every URL before returning (a dry run); return what was loaded and the validators."""
    from ingest.sources.stream import WebStream

    stream = WebStream(urls, settings=settings, known=known, options=options, resolve=resolve)
    for _ in stream.start().batches(64):
        pass
    return stream.result, stream.cache


def merge(files: LoadResult, web: LoadResult) -> LoadResult:
    """One result from the files' and the URLs' (a doc id already loaded from a file wins)."""
    seen = {d.doc_id: d.path for d in files.documents}
    merged = LoadResult(
        documents=list(files.documents),
        skipped=[*files.skipped, *web.skipped],
        roots=list(files.roots),
        web_roots=list(web.web_roots),
        unchanged=list(web.unchanged),
        kept=list(web.kept),
    )
    for document in web.documents:
        if document.doc_id in seen:
            reason = f"duplicate id {document.doc_id!r} (first in {seen[document.doc_id]})"
            merged.skipped.append(Skipped(document.path, reason))
            continue
        seen[document.doc_id] = document.path
        merged.documents.append(document)
    return merged
