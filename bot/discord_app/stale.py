"""Flag posted answers whose cited sources changed: edit their footer and offer "Ask again".

Runs in the bot process and works whichever process ingested: every `CITEBOT_STALE_CHECK_SECONDS`
it reads the index's generation (a counter every changing ingest, sync, add or forget bumps in
the store itself), and when it moved, compares the document versions each recent answer cited
(doc id + content hash, kept in the feedback store) with the current records. Answers up to
`CITEBOT_STALE_DAYS` old that cite a changed or removed source get one edit; the flag is stored,
so they are not edited again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.answer.small_talk import Act, act_of
from bot.discord_app.buttons import feedback_view
from bot.discord_app.delivery import NO_MENTIONS
from bot.discord_app.rendering import EMBED_FOOTER_LIMIT, MESSAGE_LIMIT, neutralise
from bot.feedback import ChangedSource, FeedbackStore, cited_doc_ids, stale_answers
from ingest.index.store import Store

log = logging.getLogger(__name__)

MARK = "⚠️"


def stale_note(changed: list[ChangedSource], when: dt.date) -> str:
    """'⚠️ Since this answer, [1] Title has changed (noticed 2026-12-01).'"""
    listed = "; ".join(c.describe() for c in changed)
    return (
        f"{MARK} Since this answer, {listed} (noticed {when.isoformat()}). "
        "Ask again for a fresh answer."
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StaleWatcher:
    """Poll the index generation; flag answers citing sources that changed since."""

    def __init__(
        self,
        client: discord.Client,
        *,
        store: Store,
        feedback: FeedbackStore,
        days: int,
        interval: float,
        clock: Callable[[], dt.datetime] = _now,
    ):
        self.client = client
        self.store = store
        self.feedback = feedback
        self.days = days
        self.interval = interval
        self.clock = clock
        self.generation: int | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background (once; a no-op when CITEBOT_STALE_DAYS is 0)."""
        if self.days > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="citebot-stale-watcher")

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("checking for changed sources failed; will try again")
            await asyncio.sleep(self.interval)

    async def check(self) -> int:
        """If the index changed since the last look, flag what it made stale; return how many."""
        generation = await asyncio.to_thread(self.store.generation)
        if generation == self.generation:
            return 0
        since = self.clock() - dt.timedelta(days=self.days)
        rows = await asyncio.to_thread(self.feedback.answers_since, since)
        rows = [r for r in rows if r["message_id"] and r["cited"] and not r["stale_at"]]
        records = await asyncio.to_thread(self.store.records, cited_doc_ids(rows))
        current = {doc_id: record.content_hash for doc_id, record in records.items()}
        flagged = 0
        for row, changed in stale_answers(rows, current):
            flagged += await self.flag(row, changed)
        self.generation = generation  # only once every answer was looked at
        if flagged:
            log.info("flagged %d answers whose sources changed", flagged)
        return flagged

    async def flag(self, row: dict[str, Any], changed: list[ChangedSource]) -> int:
        """Edit one answer's footer; remember the flag even if the message is gone."""
        note = neutralise(stale_note(changed, self.clock().date()))
        try:
            message = await self._message(int(row["channel_id"]), int(row["message_id"]))
            if message is None:
                raise LookupError("the channel is gone")
            await message.edit(
                content=message.content if message.embeds else _with_line(message.content, note),
                embeds=_with_footer(message.embeds, note),
                # "tell me more" read on from a place the re-asked message no longer has
                view=feedback_view(row["id"], ask_again=act_of(row["question"]) is not Act.MORE),
                allowed_mentions=NO_MENTIONS,
            )
        except (discord.NotFound, LookupError):
            note = f"{note} (the message was deleted)"
        except discord.HTTPException as exc:
            log.warning("could not flag answer %s as stale: %s", row["id"], exc)
            return 0
        await asyncio.to_thread(self.feedback.mark_stale, row["id"], note)
        return 1

    async def _message(self, channel_id: int, message_id: int) -> discord.Message | None:
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return None
        return await channel.fetch_message(message_id)


def _with_footer(embeds: list[discord.Embed], note: str) -> list[discord.Embed]:
    if not embeds:
        return []
    last = embeds[-1].copy()
    footer = last.footer.text or ""
    last.set_footer(text=f"{footer}\n{note}".strip()[:EMBED_FOOTER_LIMIT])
    return [*embeds[:-1], last]


def _with_line(content: str, note: str) -> str:
    line = f"\n-# {note}"
    return content + line if len(content) + len(line) <= MESSAGE_LIMIT else content
