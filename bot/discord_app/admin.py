"""`/citebot ...`: manage the knowledge base from Discord (server managers only).

`add` (an attached file, or a web page by URL), `forget` (by id or URL, with autocomplete),
`sources` (list and filter), `sync` (the sources file) and `sync-commands` (re-register the
slash commands). Discord hides the group from members without Manage Server,
and every command checks the permission again when it runs (server owners can change who sees
a command). Replies are ephemeral; every action is logged with who did it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.answer.citations import trim
from bot.app import Citebot
from bot.discord_app import library
from bot.discord_app.delivery import NO_MENTIONS, reply_privately
from bot.discord_app.rendering import MESSAGE_LIMIT, render_notice
from ingest.index.errors import CitebotError
from ingest.index.store import DocRecord

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 2.0  # between progress edits of the ephemeral reply
LISTED = 20
MANAGERS_ONLY = "Only members with the Manage Server permission can manage citebot's sources."
NOTHING_TO_ADD = "Attach a file or give a URL (not both)."
FAILED = "Sorry, that did not work; the details are in the bot's log. Please try again."


def is_manager(interaction: discord.Interaction[Any]) -> bool:
    """Manage Server (or Administrator) in this channel, checked at run time."""
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.administrator)


def audit(interaction: discord.Interaction[Any], action: str, detail: str = "") -> None:
    """Log who did what, where."""
    user = interaction.user
    log.info(
        "admin: %s (%s) in guild %s: /citebot %s %s",
        user,
        user.id,
        interaction.guild_id,
        action,
        detail,
    )


def progress_text(name: str, counter: library.IngestProgress) -> str:
    """The ephemeral reply while a file is ingested."""
    if counter.stage == "embedding" and counter.total:
        done = min(counter.done, counter.total)
        return f"Adding `{name}`: embedding {done:,} of {counter.total:,} passages…"
    return f"Adding `{name}`: {counter.stage}…"


def sources_text(records: dict[str, DocRecord], text: str) -> str:
    """What `/citebot sources [filter]` shows, within one message."""
    found = library.matching(records, text)
    what = f" matching `{trim(text, 80)}`" if text.strip() else ""
    lines = [f"**{len(found):,} of {len(records):,} sources**{what}:"]
    for record in found[:LISTED]:
        title = discord.utils.escape_markdown(trim(record.title or record.doc_id, 80))
        date = f" · {record.published_date}" if record.published_date else ""
        lines.append(f"• `{trim(record.doc_id, 90)}` · {title}{date}")
    if len(found) > LISTED:
        lines.append(f"…and {len(found) - LISTED:,} more; filter to narrow the list.")
    text_out = "\n".join(lines)
    return text_out if len(text_out) <= MESSAGE_LIMIT else trim(text_out, MESSAGE_LIMIT)


class AdminCommands:
    """The `/citebot` group, bound to one citebot and a way to re-register commands."""

    def __init__(self, citebot: Citebot, sync_commands: Callable[[], Awaitable[list[Any]]]):
        self.citebot = citebot
        self.sync_commands = sync_commands
        self._records: tuple[int, dict[str, DocRecord]] | None = None
        self.group = app_commands.Group(
            name="citebot",
            description="Manage citebot's sources (server managers).",
            guild_only=True,
            default_permissions=discord.Permissions(manage_guild=True),
        )
        self._add_commands()

    async def records(self) -> dict[str, DocRecord]:
        """The document records, cached until the index's generation moves."""
        store = self.citebot.store
        generation = await asyncio.to_thread(store.generation)
        if self._records is None or self._records[0] != generation:
            self._records = (generation, await asyncio.to_thread(store.records))
        return self._records[1]

    async def _allowed(self, interaction: discord.Interaction[Any], action: str) -> bool:
        if is_manager(interaction):
            return True
        audit(interaction, action, "refused: no Manage Server permission")
        await reply_privately(interaction, MANAGERS_ONLY)
        return False

    async def _say(self, interaction: discord.Interaction[Any], text: str) -> None:
        await interaction.edit_original_response(
            content=render_notice(text), allowed_mentions=NO_MENTIONS
        )

    def _add_commands(self) -> None:
        group = self.group

        @group.command(name="add", description="Add a source: attach a file (or give a URL).")
        @app_commands.describe(
            file="A .md, .txt, .html, .pdf or .docx file", url="A web page's address"
        )
        async def add(
            interaction: discord.Interaction[Any],
            file: discord.Attachment | None = None,
            url: str | None = None,
        ) -> None:
            await self.add(interaction, file=file, url=url)

        @group.command(name="forget", description="Remove a source from the index.")
        @app_commands.describe(source="The source's id or URL")
        async def forget(interaction: discord.Interaction[Any], source: str) -> None:
            await self.forget(interaction, source)

        @forget.autocomplete("source")
        async def forget_choices(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            return await self.choices(interaction, current)

        @group.command(name="sources", description="List the indexed sources, optionally filtered.")
        @app_commands.describe(filter="Show only sources whose id, title or URL contain this")
        async def sources(interaction: discord.Interaction[Any], filter: str = "") -> None:
            if await self._allowed(interaction, "sources"):
                audit(interaction, "sources", filter)
                records = await self.records()
                await reply_privately(interaction, sources_text(records, filter))

        @group.command(name="sync", description="Fetch and index everything in the sources file.")
        async def sync(interaction: discord.Interaction[Any]) -> None:
            await self.sync(interaction)

        @group.command(name="sync-commands", description="Re-register citebot's slash commands.")
        async def sync_commands(interaction: discord.Interaction[Any]) -> None:
            if not await self._allowed(interaction, "sync-commands"):
                return
            audit(interaction, "sync-commands")
            await interaction.response.defer(ephemeral=True, thinking=True)
            synced = await self.sync_commands()
            await interaction.followup.send(
                f"Synced {len(synced)} commands. Discord may take a minute to show changes.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

    async def add(
        self,
        interaction: discord.Interaction[Any],
        *,
        file: discord.Attachment | None,
        url: str | None,
    ) -> None:
        """Ingest an attached file or a web page (progress shown by editing the reply)."""
        if not await self._allowed(interaction, "add"):
            return
        if (file is None) == (not url):
            await reply_privately(interaction, NOTHING_TO_ADD)
            return
        if file is None:
            target = (url or "").strip()
            audit(interaction, "add", f"url {target!r}")

            def fetch(progress: library.IngestProgress) -> str:
                summary = library.add_url(self.citebot, target, progress)
                return library.describe(summary, [*summary.added, *summary.updated, target][0])

            await self._with_progress(interaction, target, fetch, stage="fetching the page")
            return
        audit(interaction, "add", f"file {file.filename!r} ({file.size} bytes)")
        try:
            library.check_upload(file.filename, file.size, self.citebot.settings.max_file_mb)
        except CitebotError as exc:
            await reply_privately(interaction, str(exc))
            return
        attached, name, loop = file, library.safe_name(file.filename), asyncio.get_running_loop()

        def ingest_file(progress: library.IngestProgress) -> str:
            data = asyncio.run_coroutine_threadsafe(attached.read(), loop).result()
            progress.stage = "reading the file"
            summary = library.add_upload(self.citebot, attached.filename, data, progress)
            return library.describe(summary, library.UPLOAD_PREFIX + name)

        await self._with_progress(interaction, name, ingest_file, stage="downloading")

    async def _with_progress(
        self,
        interaction: discord.Interaction[Any],
        name: str,
        work: Callable[[library.IngestProgress], str],
        *,
        stage: str,
    ) -> None:
        """Run `work` in a thread, showing its progress in the ephemeral reply, then the result."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = library.IngestProgress(stage=stage)
        try:
            await self._say(interaction, progress_text(name, progress))
            task = asyncio.ensure_future(asyncio.to_thread(work, progress))
            while not task.done():
                await asyncio.wait({task}, timeout=PROGRESS_SECONDS)
                if not task.done():
                    await self._say(interaction, progress_text(name, progress))
            done = task.result()
        except CitebotError as exc:
            audit(interaction, "add", f"{name!r} failed: {exc}")
            await self._say(interaction, str(exc))
            return
        except Exception:
            log.exception("adding %s failed", name)
            await self._say(interaction, FAILED)
            return
        audit(interaction, "add", f"{name!r}: {done}")
        await self._say(interaction, done)

    async def sync(self, interaction: discord.Interaction[Any]) -> None:
        """Run the sources file now; one line per source."""
        if not await self._allowed(interaction, "sync"):
            return
        audit(interaction, "sync")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._say(interaction, "Syncing the sources file…")
        try:
            outcomes = await asyncio.to_thread(library.sync_all, self.citebot)
        except CitebotError as exc:
            await self._say(interaction, str(exc))
            return
        except Exception:
            log.exception("syncing the sources file failed")
            await self._say(interaction, FAILED)
            return
        text = library.describe_sync(outcomes)
        audit(interaction, "sync", text.replace("\n", "; "))
        await self._say(interaction, trim(text, MESSAGE_LIMIT))

    async def forget(self, interaction: discord.Interaction[Any], source: str) -> None:
        """Remove a source by id or URL."""
        if not await self._allowed(interaction, "forget"):
            return
        audit(interaction, "forget", repr(source))
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            record = await asyncio.to_thread(library.forget, self.citebot, source)
        except CitebotError as exc:
            await self._say(interaction, str(exc))
            return
        except Exception:
            log.exception("forgetting %r failed", source)
            await self._say(interaction, FAILED)
            return
        audit(interaction, "forget", f"removed {record.doc_id!r}")
        title = discord.utils.escape_markdown(trim(record.title or record.doc_id, 150))
        await self._say(interaction, f"Removed `{trim(record.doc_id, 150)}` ({title}).")

    async def choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Up to 25 sources matching what has been typed (managers only)."""
        if not is_manager(interaction):
            return []
        found = library.matching(await self.records(), current)[:25]
        return [
            app_commands.Choice(
                name=trim(f"{r.title or r.doc_id} · {r.doc_id}", 100), value=r.doc_id[:100]
            )
            for r in found
        ]
