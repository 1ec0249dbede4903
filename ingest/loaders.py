"""Turn files and folders into cleaned `Document`s, reporting every file that had to be skipped.

Supported: `.md`/`.markdown`/`.txt` with optional YAML front matter, `.html`/`.htm` (article text
and title extracted with trafilatura), `.jsonl` (one article per line), and `.pdf`/`.docx`
(`ingest.sources.documents`; PDFs keep their page breaks). A bad file or line never
stops the batch: it is recorded in `LoadResult.skipped` with `file[:line]` and the reason.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from ingest.cleaning import clean_text, drop_leading_title
from ingest.index.language.sentences import split_sentences
from ingest.index.models import Document, LoadResult, Skipped
from ingest.metadata import as_author, as_str, default_id, normalise_date
from ingest.sources.documents import (
    DOCX_SUFFIXES,
    PDF_SUFFIXES,
    UnreadableDocument,
    docx_document,
    pdf_document,
)

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
BINARY_SUFFIXES = PDF_SUFFIXES | DOCX_SUFFIXES
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | BINARY_SUFFIXES
# A guessed title: the first sentence of one of the article's first lines, cut at a word.
TITLE_CHARS = 100
_TITLE_LINES = 4
# A dateline: a few words before a dash, "CNN —", "Colombo, Sri Lanka CNN —", "LONDON (Reuters) -".
_DATELINE = re.compile(r"(?:[^\s—–-]+\s+){0,5}[^\s—–-]+\s*[—–-]")
_PREAMBLE = re.compile(r"(?:sign up|subscribe|editor['’]s note|advertisement)\b", re.I)

META_KEYS = ("id", "title", "url", "source", "published_date", "author")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class SkipFile(Exception):
    """Raised inside a loader: skip this file (or line) for the given reason."""


def load_paths(paths: list[Path], *, max_bytes: int) -> LoadResult:
    """Load every supported file under `paths` (files or folders, recursively)."""
    result = LoadResult()
    seen_ids: dict[str, str] = {}
    seen_files: set[str] = set()  # a file named on its own and inside a named folder loads once
    for root in paths:
        if not root.exists():
            result.skipped.append(Skipped(str(root), "no such file or folder"))
            continue
        result.roots.append(root)
        for path in _walk(root, result):
            absolute = str(path.absolute())
            if absolute in seen_files:
                continue
            seen_files.add(absolute)
            for item in _load_file(path, max_bytes=max_bytes):
                if isinstance(item, Skipped):
                    result.skipped.append(item)
                elif item.doc_id in seen_ids:
                    first = seen_ids[item.doc_id]
                    result.skipped.append(
                        Skipped(item.path, f"duplicate id {item.doc_id!r} (first in {first})")
                    )
                else:
                    seen_ids[item.doc_id] = item.path
                    result.documents.append(item)
    return result


def _walk(root: Path, result: LoadResult) -> Iterator[Path]:
    if root.is_file():
        if root.suffix.lower() in SUPPORTED:
            yield root
        else:
            result.skipped.append(Skipped(str(root), f"unsupported file type {root.suffix!r}"))
        return
    visited: set[str] = set()

    def unreadable(error: OSError) -> None:
        result.skipped.append(
            Skipped(str(error.filename or root), f"cannot read folder: {error.strerror or error}")
        )

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=unreadable):
        real = os.path.realpath(folder)
        if real in visited:
            result.skipped.append(Skipped(folder, "symlink loop (folder already visited)"))
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED:
                continue
            yield path


def _load_file(path: Path, *, max_bytes: int) -> Iterator[Document | Skipped]:
    """Load one file; whatever goes wrong becomes a `Skipped` entry, never an exception."""
    try:
        yield from _load_file_unguarded(path, max_bytes=max_bytes)
    except Exception as exc:  # a parser bug on one odd file must not stop the batch
        log.warning("skipping %s: unexpected %s", path, type(exc).__name__, exc_info=True)
        yield Skipped(str(path), f"could not be parsed ({type(exc).__name__})")


def _load_file_unguarded(path: Path, *, max_bytes: int) -> Iterator[Document | Skipped]:
    where = str(path)
    try:
        if path.is_symlink() and not path.exists():
            raise SkipFile("broken symbolic link (its target is missing or loops)")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SkipFile("not a regular file (a pipe, device or socket)")
        limit = f"{max_bytes / 1e6:g} MB"
        if info.st_size > max_bytes:
            raise SkipFile(f"larger than the {limit} limit (CITEBOT_MAX_FILE_MB)")
        if info.st_size == 0:
            raise SkipFile("empty file")
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # the file may have grown since stat()
        if len(raw) > max_bytes:
            raise SkipFile(f"larger than the {limit} limit (CITEBOT_MAX_FILE_MB)")
        if path.suffix.lower() in BINARY_SUFFIXES:
            yield _load_binary(path, raw)
            return
        if b"\x00" in raw[:8192]:
            raise SkipFile("binary file (contains NUL bytes)")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SkipFile(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    except (SkipFile, UnreadableDocument) as exc:
        yield Skipped(where, str(exc))
        return
    except FileNotFoundError:
        yield Skipped(where, "file vanished while ingesting")
        return
    except OSError as exc:
        yield Skipped(where, f"cannot read: {exc.strerror or exc}")
        return

    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _load_jsonl(path, text)
        return
    try:
        if suffix in HTML_SUFFIXES:
            yield _load_html(path, text)
        else:
            yield _load_text(path, text, markdown=suffix != ".txt")
    except SkipFile as exc:
        yield Skipped(where, str(exc))


def _load_text(path: Path, text: str, *, markdown: bool) -> Document:
    meta, body, _ = split_front_matter(text, str(path))
    # Front matter may mark any file as Markdown; plain .txt stays literal otherwise.
    return make_document(meta, body, path=path, markdown=markdown or bool(meta))


def _load_binary(path: Path, raw: bytes) -> Document:
    meta = {"id": default_id(path), "title": path.stem.replace("_", " ").replace("-", " ")}
    build = pdf_document if path.suffix.lower() in PDF_SUFFIXES else docx_document
    return build(raw, meta, path=str(path.absolute()))


def _load_html(path: Path, text: str) -> Document:
    import trafilatura

    extracted: Any = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False)
    if extracted is None or not getattr(extracted, "text", None):
        raise SkipFile("no article text found in the HTML")
    meta: dict[str, Any] = {
        "title": extracted.title or "",
        "url": extracted.url or "",
        "published_date": extracted.date or "",
        "author": extracted.author or "",
        "source": extracted.sitename or extracted.hostname or "",
    }
    return make_document(meta, str(extracted.text), path=path, markdown=False)


def _load_jsonl(path: Path, text: str) -> Iterator[Document | Skipped]:
    # Split on "\n" only: str.splitlines() also breaks on U+2028 and friends, which are valid
    # inside JSON strings, and would report line numbers no editor shows.
    lines = text.split("\n")
    if not any(line.strip() for line in lines):
        yield Skipped(str(path), "no JSON lines (the file holds only blank lines)")
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"invalid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            yield Skipped(where, 'each line needs a JSON object with a "text" string')
            continue
        try:
            document = make_document(row, row["text"], path=path, markdown=False, line=number)
        except SkipFile as exc:
            yield Skipped(where, str(exc))
            continue
        except Exception as exc:  # one odd line must not cost the rest of the file
            log.warning("skipping %s: unexpected %s", where, type(exc).__name__, exc_info=True)
            yield Skipped(where, f"could not be parsed ({type(exc).__name__})")
            continue
        yield document


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str, int]:
    """Split YAML front matter (between `---` lines) from the body; return (meta, body, line)."""
    if not text.startswith("---"):
        return {}, text, 1
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 1
    end = next((i for i, line in enumerate(lines) if i and line.strip() in {"---", "..."}), 0)
    if not end:
        raise SkipFile(f"front matter opened with '---' at {where}:1 is never closed")
    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        # The context mark (where an unclosed list or quote began) is the line to fix.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line_no = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        context = getattr(exc, "context", None)
        problem = f"{context}: {problem}" if context else problem
        raise SkipFile(f"malformed front matter at {where}{line_no}: {problem}") from None
    if not isinstance(meta, dict):
        raise SkipFile("front matter is not a mapping of key: value lines")
    return meta, "\n".join(lines[end + 1 :]), end + 2


def make_document(
    meta: Mapping[str, Any], body: str, *, path: Path, markdown: bool, line: int | None = None
) -> Document:
    """Clean `body` and build a `Document` from it and its metadata."""
    title = as_str(meta.get("title"))
    text = clean_text(body, markdown=markdown)
    if title:
        text = drop_leading_title(text, title)
    if not text:
        raise SkipFile("no text left after cleaning")
    title_is_lede = False
    if not title:
        title, title_is_lede = _guess_title(text, path)
    doc_id = as_str(meta.get("id")) or default_id(path, line)
    # Absolute, so the record (and its content hash) does not depend on the working directory:
    # re-ingesting from elsewhere re-embeds nothing, and --prune finds the file from anywhere.
    where = str(path.absolute())
    return Document(
        doc_id=doc_id,
        text=text,
        title=title,
        url=as_str(meta.get("url")),
        source=as_str(meta.get("source")),
        published_date=normalise_date(meta.get("published_date") or meta.get("date")),
        author=as_author(meta.get("author") or meta.get("authors")),
        path=where if line is None else f"{where}:{line}",
        title_is_lede=title_is_lede,
    )


def _guess_title(text: str, path: Path) -> tuple[str, bool]:
    """A title for an article that has none, and whether it is the opening sentence of a
    paragraph (a lede, not a headline). It is the first line that is neither a dateline ("New York
    CNN Business —") nor a sign-up or editor's note, cut to its first sentence and at most
    `TITLE_CHARS` characters; the file name when no line will do."""
    lines = (line for line in text.split("\n") if line)  # cleaned: lines are stripped
    for line in itertools.islice(lines, _TITLE_LINES):
        if _DATELINE.fullmatch(line) or _PREAMBLE.match(line):
            continue
        sentences = split_sentences(line)
        first = sentences[0].text if sentences else line
        if len(first) > TITLE_CHARS:
            first = first[: TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:–— ") + "…"
        return first, len(sentences) > 1 or first != line
    return path.stem.replace("_", " ").replace("-", " "), False
