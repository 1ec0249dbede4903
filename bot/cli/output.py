"""Terminal rendering for the CLI: ingest progress and summaries, answers with sources."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from bot.answer.models import Answer, Citation
    from ingest.index.settings import IngestSettings
    from ingest.pipeline import IngestSummary

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _RichProgress:
    def __init__(self, progress: object):
        from rich.progress import Progress

        assert isinstance(progress, Progress)
        self._progress = progress
        self._task: object = None

    def start(self, total_chunks: int) -> None:
        self._task = self._progress.add_task("Embedding chunks", total=total_chunks)

    def advance(self, chunks: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, chunks)  # type: ignore[arg-type]

    def grow(self, chunks: int) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(task.id, total=(task.total or 0) + chunks)


@contextmanager
def ingest_progress(*, enabled: bool) -> Iterator[_RichProgress | None]:
    """A rich progress bar on stderr while embedding (nothing when output is not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        yield _RichProgress(progress)


def print_ingest_summary(summary: IngestSummary, settings: IngestSettings) -> None:
    """Print what an ingest did, and every skipped file with its reason."""
    verb = "Would" if summary.dry_run else "Done:"
    counts = (
        f"{len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged, {len(summary.removed)} removed"
    )
    if summary.dry_run:
        out.print(f"Dry run, nothing written. Would change: {counts}.")
        for label, ids in (
            ("add", summary.added),
            ("update", summary.updated),
            ("embed again (stored before sentence vectors were kept)", summary.upgraded),
            ("remove", summary.removed),
        ):
            for doc_id in ids:
                out.print(f"  would {label} {escape(doc_id)}")
    else:
        reused = summary.chunks_reused
        kept = f" ({reused} unchanged chunks kept their vectors)" if reused else ""
        out.print(
            f"{verb} {counts} documents; {summary.chunks_written - reused} chunks embedded "
            f"in {summary.seconds:.1f}s{kept}. Index: {summary.documents_total} documents, "
            f"{summary.chunks_total} chunks in {escape(settings.where)} ({settings.collection})."
        )
        if summary.orphans_removed:
            out.print(f"Cleaned up {summary.orphans_removed} chunks left by an interrupted ingest.")
        if summary.upgraded:
            out.print(
                f"{len(summary.upgraded)} unchanged documents were stored before sentence vectors "
                "were kept: embedded once more, so questions about them no longer embed sentences."
            )
    for item in summary.skipped:
        err.print(f"[yellow]Skipped[/] {escape(item.where)}: {escape(item.reason)}")
    if summary.skipped:
        err.print(f"[yellow]{len(summary.skipped)} skipped[/]; everything else was ingested.")


def print_answer(answer: Answer) -> None:
    """Print the answer, then the numbered sources with their quoted passages."""
    if answer.notice:
        out.print(f"[italic]{escape(answer.notice)}[/]")
    if answer.refused:
        out.print(escape(answer.refusal_text()))
        if answer.nearest is not None:
            print_nearest(answer.nearest)
        return
    out.print(escape(answer.text))
    if not answer.citations:
        return  # small talk: nothing was quoted
    out.print()
    out.print("[bold]Sources[/]")
    for c in answer.citations:
        _print_source(f"[bold][{c.n}][/] {escape(c.title)}", c)
        out.print(f"    [dim]“{escape(c.quote)}”[/]")


def print_nearest(article: Citation) -> None:
    """The article a refusal names as the closest: title, date, where to read it."""
    _print_source(f"The closest article: {escape(article.title or article.doc_id)}", article)


def _print_source(head: str, source: Citation) -> None:
    """`head` (a source's title, as shown), its date, and its link or file on the next line."""
    out.print(f"{head} ({source.where})" if source.where else head)
    if source.url or source.path:
        out.print(f"    {escape(source.url or _shown_path(source.path))}")


def _shown_path(path: str) -> str:
    """A source file's path, relative to the working directory when it is inside it."""
    from pathlib import Path

    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path
