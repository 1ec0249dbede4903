"""`citebot sync`: ingest every source of the sources file, one at a time, and remember how it went.

Each source is its own ingest (own lock, own commit), so one that fails (a site down, a folder
gone, a store error) is recorded and the next one still runs. The state file beside the store
keeps each source's last success, last error and document count for `citebot status`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ingest.index.errors import CitebotError
from ingest.index.settings import IngestSettings
from ingest.pipeline import AfterWrite, EmbedderLike, IngestSummary, WebSources, ingest
from ingest.sources.config import Source
from ingest.sources.guard import Resolver

log = logging.getLogger(__name__)

JITTER = 0.1  # each wait is the interval +/- 10%, so many bots do not hit a site in step


@dataclass
class SourceState:
    """What `citebot status` shows for one source."""

    target: str = ""
    last_attempt: str = ""
    last_success: str = ""
    last_error: str = ""
    documents: int = 0


@dataclass
class SyncState:
    """Every source's state, in a JSON file beside the store."""

    path: Path
    sources: dict[str, SourceState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SyncState:
        """Read the state (missing or unreadable: start afresh, it is only a report)."""
        state = cls(path)
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
            for name, item in raw.get("sources", {}).items():
                state.sources[name] = SourceState(**{k: item[k] for k in item if k in _FIELDS})
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError):
            log.warning("ignoring the unreadable sync state %s", path, exc_info=True)
        return state

    def save(self) -> None:
        """Write the state atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(self.path.name + ".tmp")
        data = {"sources": {name: asdict(s) for name, s in sorted(self.sources.items())}}
        temp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        temp.replace(self.path)

    def due(self, source: Source, now: float) -> bool:
        """True when `source` has not been tried within its own refresh interval."""
        last = self.sources.get(source.name, SourceState()).last_attempt
        if not source.every or not last:
            return True
        elapsed = now - dt.datetime.fromisoformat(last).timestamp()
        return elapsed >= source.every * (1 - JITTER)


_FIELDS = set(SourceState.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How syncing one source went."""

    source: Source
    summary: IngestSummary | None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the source itself was read (some of its pages may still be skipped)."""
        return not self.error


def state_path(settings: IngestSettings) -> Path:
    """Where the sync state lives: beside the store, one file per collection."""
    return Path(settings.store) / f"sources-{settings.collection}.json"


def sync_sources(
    sources: Sequence[Source],
    *,
    settings: IngestSettings,
    embedder: EmbedderLike,
    after_write: AfterWrite | None = None,
    due_only: bool = False,
    resolve: Resolver | None = None,
) -> list[Outcome]:
    """Ingest each (due) source on its own; a failing source is recorded, never raised."""
    state = SyncState.load(state_path(settings))
    outcomes = []
    for source in sources:
        if due_only and not state.due(source, time.time()):
            continue
        outcome = _sync_one(source, settings, embedder, after_write, resolve)
        _record(state, outcome)
        state.save()
        outcomes.append(outcome)
    return outcomes


def _sync_one(
    source: Source,
    settings: IngestSettings,
    embedder: EmbedderLike,
    after_write: AfterWrite | None,
    resolve: Resolver | None,
) -> Outcome:
    web = WebSources(options={source.target: source.options}, resolve=resolve)
    try:
        summary = ingest(
            [source.target],
            settings=settings,
            embedder=embedder,
            prune=source.prune,
            after_write=after_write,
            web=web,
        )
    except CitebotError as exc:
        return Outcome(source, None, str(exc))
    except Exception as exc:  # one source's bug must not stop the others
        log.warning("syncing %s failed", source.name, exc_info=True)
        return Outcome(source, None, f"unexpected {type(exc).__name__}: {exc}")
    failed = next((s for s in summary.skipped if s.where == source.target), None)
    return Outcome(source, summary, failed.reason if failed else "")


def _record(state: SyncState, outcome: Outcome) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    entry = state.sources.setdefault(outcome.source.name, SourceState())
    entry.target = outcome.source.target
    entry.last_attempt = now
    summary = outcome.summary
    if outcome.ok and summary is not None:
        entry.last_success = now
        entry.documents = len(summary.added) + len(summary.updated) + len(summary.unchanged)
        skipped = summary.skipped
        entry.last_error = f"{skipped[0].where}: {skipped[0].reason}" if skipped else ""
        if len(skipped) > 1:
            entry.last_error += f" (and {len(skipped) - 1} more skipped)"
    else:
        entry.last_error = outcome.error


def run_every(
    interval: float,
    sync_round: Callable[[], object],
    *,
    rounds: int | None = None,
    sleep: Callable[[float], object] = time.sleep,
    rng: random.Random | None = None,
) -> int:
    """Call `sync_round` every `interval` seconds (with jitter) until `rounds` have run."""
    chooser = rng or random.Random()
    done = 0
    while rounds is None or done < rounds:
        try:
            sync_round()
        except CitebotError as exc:  # e.g. the store is locked or down: try again next round
            log.warning("sync round failed: %s", exc)
        except Exception:
            log.exception("sync round failed; the next round runs as planned")
        done += 1
        if rounds is not None and done >= rounds:
            break
        sleep(interval * (1 + chooser.uniform(-JITTER, JITTER)))
    return done
