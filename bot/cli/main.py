"""The `citebot` command. Heavy libraries are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from bot.settings import Settings

app = typer.Typer(
    name="citebot",
    help="Answer questions from your articles, with citations. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

EXIT_ERROR = 2
EXIT_SKIPPED = 3


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    """Ingest articles, ask questions, run the Discord bot."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Some libraries (bm25s) set their own loggers to DEBUG on import; the handler's level
    # keeps their chatter out of the terminal either way.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    for noisy in ("httpx", "httpx2", "chromadb", "discord.http", "openai", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for parser in ("usp", "trafilatura", "htmldate"):  # what they warn about is in the skip list
        logging.getLogger(parser).setLevel(logging.ERROR)
    ctx.obj = {"verbose": verbose}


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Print one clear error line and exit."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


INGEST_INTERRUPTED = "Interrupted. Every document already committed is kept; run again to finish."


@contextmanager
def user_errors(interrupted: str = "Interrupted.") -> Iterator[None]:
    """Turn citebot's errors into one-line messages, and interrupts into a calm exit."""
    from pydantic import ValidationError

    from ingest.index.errors import CitebotError

    try:
        yield
    except CitebotError as exc:
        fail(str(exc))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'setting'}: {err['msg']}"
            for err in exc.errors()
        )
        fail(f"invalid setting ({problems}). See .env.example.")
    except KeyboardInterrupt:
        typer.echo(interrupted, err=True)
        raise typer.Exit(130) from None


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment/.env plus command-line overrides."""
    from bot.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def parse_date(value: str | None) -> str:
    """Validate a YYYY-MM-DD option."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"--as-of must be a date like 2024-03-15, not {value!r}.")


StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="Embedded store folder [env: CITEBOT_STORE].")
]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", help="Collection name [env: CITEBOT_COLLECTION].")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders (.md .txt .html .jsonl .pdf .docx), or URLs of articles, "
            "RSS/Atom feeds, sitemaps, PDFs and Word files.",
            show_default=False,
        ),
    ],
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove documents whose files are gone from PATHS.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            help="Only feed/sitemap pages whose URL matches (glob).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Skip feed/sitemap pages whose URL matches (glob).",
            show_default=False,
        ),
    ] = None,
    max_pages: Annotated[
        int | None,
        typer.Option(
            "--max-pages", min=1, help="Pages per feed or sitemap [env: CITEBOT_MAX_PAGES]."
        ),
    ] = None,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Add or update articles in the index (unchanged ones are skipped)."""
    from bot.cli.output import ingest_progress, print_ingest_summary
    from ingest.index.embeddings import build_embedder
    from ingest.index.snapshot import snapshot_hook
    from ingest.pipeline import WebSources
    from ingest.pipeline import ingest as run_ingest
    from ingest.sources.crawl import WebOptions, is_url

    with user_errors(INGEST_INTERRUPTED):
        settings = load_settings(store=store, collection=collection)
        missing = [p for p in paths if not is_url(p) and not Path(p).exists()]
        if missing and len(missing) == len(paths):
            fail(f"no such file or folder: {', '.join(map(str, missing))}")
        options = WebOptions(
            include=tuple(include or ()),
            exclude=tuple(exclude or ()),
            max_pages=max_pages or settings.max_pages,
        )
        web = WebSources(options={p.strip(): options for p in paths if is_url(p)})
        embedder = build_embedder(settings)
        with ingest_progress(enabled=not as_json and sys.stderr.isatty()) as progress:
            summary = run_ingest(
                paths,
                settings=settings,
                embedder=embedder,
                prune=prune,
                dry_run=dry_run,
                progress=progress,
                after_write=snapshot_hook(settings),
                web=web,
            )
    found = (
        summary.added or summary.updated or summary.upgraded or summary.unchanged or summary.skipped
    )
    if not found and not summary.removed:
        fail(f"found no .md, .txt, .html, .jsonl, .pdf or .docx files under {', '.join(paths)}.")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        print_ingest_summary(summary, settings)
    if summary.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the question is asked (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Answer a question from the indexed articles, with numbered citations."""
    from bot.app import build_citebot
    from bot.cli.output import print_answer

    when = parse_date(as_of)
    if not question.strip():
        fail("the question is empty.")
    with user_errors():
        settings = load_settings(store=store, collection=collection)
        citebot = build_citebot(settings)
        answer = citebot.answerer.answer(question.strip(), as_of=when)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print_answer(answer)


@app.command()
def status(
    as_json: JsonOpt = False, store: StoreOpt = None, collection: CollectionOpt = None
) -> None:
    """Show the index (where, which model, how much) and each synced source's last run."""
    from bot.cli.sync_cmd import source_status
    from ingest.index.store import open_store

    with user_errors():
        settings = load_settings(store=store, collection=collection)
        index = open_store(settings)
        info = {
            "store": settings.where,
            "collection": settings.collection,
            "embedding_model": index.model_id,
            "documents": index.count_documents(),
            "chunks": index.count_chunks(),
            "mode": "llm" if settings.llm_enabled else "extractive",
        }
        sources = source_status(settings)
    if as_json:
        typer.echo(json.dumps({**info, "sources": sources}))
        return
    for key, value in info.items():
        typer.echo(f"{key:>16}: {value}")
    for row in sources:
        last = row["last_success"] or "never"
        error = f"; last error: {row['last_error']}" if row["last_error"] else ""
        counts = f"{row['documents']} documents, last success {last}{error}"
        typer.echo(f"{'source':>16}: {row['name']}: {counts}")


def main() -> None:
    """Entry point of the `citebot` console script."""
    from bot.cli import extra as cli_extra

    cli_extra.register(app)
    app()
