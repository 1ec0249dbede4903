"""`citebot discord --sync-every 15m`: sync the sources file in the background while the bot runs.

Each round runs in a worker thread (fetching and embedding must not stall the gateway), waits
the interval with jitter, and survives any failure: the bot keeps answering from what is indexed.
Readers follow the store's generation, so answers use new documents as soon as they commit.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.app import Citebot
from ingest.index.settings import IngestSettings
from ingest.pipeline import EmbedderLike
from ingest.sources.config import Source
from ingest.sources.sync import JITTER, Outcome, sync_sources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncPlan:
    """What to sync and how often."""

    sources: Sequence[Source]
    interval: float


def sync_round(citebot: Citebot, plan: SyncPlan) -> list[Outcome]:
    """Sync the due sources once (blocking: run it in a thread)."""
    return sync_with(citebot.settings, citebot.embedder, plan)


def sync_with(settings: IngestSettings, embedder: EmbedderLike, plan: SyncPlan) -> list[Outcome]:
    """Sync the due sources once with this embedder, logging how each went."""
    from ingest.index.snapshot import snapshot_hook

    outcomes = sync_sources(
        plan.sources,
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
        due_only=True,
    )
    for outcome in outcomes:
        if outcome.ok and outcome.summary is not None:
            s = outcome.summary
            log.info(
                "synced %s: %d added, %d updated, %d unchanged, %d skipped",
                outcome.source.name, len(s.added), len(s.updated), len(s.unchanged), len(s.skipped),
            )  # fmt: skip
        else:
            log.warning("sync of %s failed: %s", outcome.source.name, outcome.error)
    return outcomes


async def sync_forever(
    citebot: Citebot,
    plan: SyncPlan,
    *,
    run: Callable[[Citebot, SyncPlan], object] = sync_round,
    rounds: int | None = None,
) -> None:
    """Run `run` now and then every `plan.interval` seconds (+/- 10%) until cancelled."""
    done = 0
    while rounds is None or done < rounds:
        try:
            await asyncio.to_thread(run, citebot, plan)
        except Exception:
            log.exception("background sync failed; the next round runs as planned")
        done += 1
        if rounds is None or done < rounds:
            await asyncio.sleep(plan.interval * (1 + random.uniform(-JITTER, JITTER)))


def start_sync_task(citebot: Citebot, plan: SyncPlan) -> asyncio.Task[None]:
    """Start the background sync on the running loop (keep the task: the loop holds it weakly)."""
    log.info("syncing %d sources every %.0fs", len(plan.sources), plan.interval)
    return asyncio.get_running_loop().create_task(sync_forever(citebot, plan), name="citebot-sync")
