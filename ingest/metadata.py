"""Document metadata helpers shared by every loader: ids, dates, authors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def default_id(path: Path, line: int | None = None) -> str:
    """A stable id from the path: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        base = resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        base = resolved.as_posix()
    return base if line is None else f"{base}:{line}"


def normalise_date(value: object) -> str:
    """Return an ISO `YYYY-MM-DD` date, or "" when `value` is not a recognisable date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return ""
    raw = value.strip()
    try:
        return dt.date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return ""


def as_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def as_author(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(as_str(v) for v in value if as_str(v))
    return as_str(value)
