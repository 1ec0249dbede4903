"""Which documents an ingest removes (`--prune`), and which 304s count as unchanged."""

from __future__ import annotations

from pathlib import Path

from ingest.index.models import LoadResult, Skipped
from ingest.index.store import DocRecord
from ingest.sources.crawl import is_url
from ingest.summary import IngestSummary


def prune_and_count(
    loaded: LoadResult, records: dict[str, DocRecord], summary: IngestSummary, prune: bool
) -> None:
    """Count the 304-confirmed documents; with `prune`, pick the documents gone from the roots."""
    for doc_id in dict.fromkeys(loaded.unchanged):
        if doc_id in records:
            summary.unchanged.append(doc_id)
        else:  # deleted from the index since the fetch started: the next run fetches it whole
            summary.skipped.append(Skipped(doc_id, "unchanged (HTTP 304) but no longer indexed"))
    if prune:
        present = {d.doc_id for d in loaded.documents} | set(loaded.unchanged) | set(loaded.kept)
        # A file that could not be read this time, or that sits in a folder that could not be
        # listed, keeps its document: a transient read error must not delete data.
        skipped = [s.where for s in loaded.skipped if not is_url(s.where)]
        unreadable = [Path(w.rsplit(":", 1)[0] if ".jsonl:" in w else w) for w in skipped]
        failed = {s.where for s in loaded.skipped}
        roots = loaded.roots
        for record in records.values():
            if is_url(record.path):  # a web document: pruned only by the URL it came from
                gone = record.doc_id not in present and record.path not in failed
                if gone and record.path in loaded.web_roots:
                    summary.removed.append(record.doc_id)
                continue
            source_file = record.path.rsplit(":", 1)[0] if ".jsonl:" in record.path else record.path
            if (
                record.doc_id not in present
                and _under_any(source_file, roots)
                and not _under_any(source_file, unreadable)
            ):
                summary.removed.append(record.doc_id)


def _under_any(path: str, roots: list[Path]) -> bool:
    if not path:
        return False
    target = Path(path).resolve()
    for root in roots:
        base = root.resolve()
        if target == base or base in target.parents:
            return True
    return False
