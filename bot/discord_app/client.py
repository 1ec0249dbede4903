"""The Discord adapter: client, intents, slash commands and event wiring around `QuestionHandler`.

Everything that decides what to answer and how lives in `discord_handler`; this module only
connects it to discord.py (plain or auto-sharded client) and keeps one failing event from
taking the bot down.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.app import Citebot
from bot.discord_app.buttons import FeedbackButton
from bot.discord_app.delivery import NO_MENTIONS, reply_privately
from bot.discord_app.handler import QuestionHandler
from bot.discord_app.rendering import neutralise, render_notice
from bot.discord_app.sync_task import SyncPlan, start_sync_task
from bot.feedback import FeedbackStore, feedback_path

log = logging.getLogger(__name__)

SOURCES_SHOWN = 10
# What the bot needs and no more (docs/discord.md explains each one).
MINIMAL_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
)


def invite_url(application_id: int) -> str:
    """The OAuth2 link that adds the bot with its slash commands and the minimal permissions."""
    return discord.utils.oauth_url(
        application_id,
        permissions=MINIMAL_PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )


def intents_for(settings: Any) -> discord.Intents:
    """Only what is used: guilds always; messages for mentions/follow-ups; content for follow-ups.

    Discord delivers the content of messages that mention the bot without the privileged
    message-content intent, so it is requested only when thread follow-ups are on.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = bool(settings.mentions or settings.followups)
    intents.message_content = bool(settings.followups)
    return intents


class _Hooks:
    citebot: DiscordApp
    feedback: FeedbackStore | None  # read by the feedback buttons

    async def setup_hook(self) -> None:
        """Size the worker pool, register the feedback buttons and sync commands if needed."""
        # Embedding and Chroma calls run in the default executor. Python's default (cores + 4
        # threads) makes CPU-bound work fight over the GIL and stalls the loop on small machines;
        # one thread per core keeps the stalls short (measured in benchmarks/concurrency.py).
        workers = max(2, os.cpu_count() or 2)
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot")
        )
        await self.citebot.setup()


class CitebotClient(_Hooks, discord.Client):
    """A single-connection client carrying the citebot app."""


class ShardedCitebotClient(_Hooks, discord.AutoShardedClient):
    """An auto-sharded client for large bots (CITEBOT_SHARDED=true)."""


class DiscordApp:
    """Build the client, wire events and commands to the handler."""

    def __init__(
        self,
        citebot: Citebot,
        *,
        feedback: FeedbackStore | None = None,
        sync: bool = False,
        stream_interval: float = 1.0,
        sync_plan: SyncPlan | None = None,
    ):
        self.sync_plan = sync_plan  # `--sync-every`: keep the sources file's sources fresh
        self.citebot = citebot
        self.settings = citebot.settings
        self.sync = sync
        self.feedback = feedback
        # citebot never joins voice: skip discord.py's start-up warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        cls = ShardedCitebotClient if self.settings.sharded else CitebotClient
        client = cls(intents=intents_for(self.settings), allowed_mentions=NO_MENTIONS)
        client.citebot = self
        client.feedback = feedback
        self.client: discord.Client = client
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self.client)
        self.handler = QuestionHandler(
            settings=self.settings,
            answerer=citebot.answerer,
            me=lambda: self.client.user,
            feedback=feedback,
            stream_interval=stream_interval,
        )
        self._add_commands()
        self.tree.error(self.on_app_command_error)
        for event in (self.on_ready, self.on_message, self.on_error):
            self.client.event(event)

    # -- lifecycle ---------------------------------------------------------------------------

    async def setup(self) -> None:
        """Called once before connecting: buttons survive restarts; commands sync when changed."""
        self.client.add_dynamic_items(FeedbackButton)
        if self.sync_plan is not None:
            self.sync_task = start_sync_task(self.citebot, self.sync_plan)
        fingerprint = self.commands_fingerprint()
        app_id = self.client.application_id or 0  # known here: setup runs after login
        marker = feedback_path(self.settings).parent / f"discord-commands-{app_id}.sha256"
        if self.sync or _read(marker) != fingerprint:
            try:
                synced = await self.tree.sync()
            except discord.HTTPException as exc:
                log.warning(
                    "could not register the slash commands (%s); mentions still work. "
                    "Run `citebot discord --sync` or `/citebot-sync` later.",
                    exc,
                )
                return
            log.info("synced %d slash commands with Discord", len(synced))
            _write(marker, fingerprint)

    def commands_fingerprint(self) -> str:
        """A hash of the slash command definitions (sync only when they change)."""
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands()]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def on_ready(self) -> None:
        """Log where we are, what we search and how we answer."""
        documents = await asyncio.to_thread(self.citebot.store.count_documents)
        guilds = ", ".join(f"{g.name} ({g.id})" for g in self.client.guilds) or "none yet"
        log.info("connected as %s; guilds: %s", self.client.user, guilds)
        if self.client.application_id:
            log.info("invite link: %s", invite_url(self.client.application_id))
        log.info(
            "collection %r: %d documents in %s; answering mode: %s",
            self.settings.collection,
            documents,
            self.settings.where,
            self.citebot.answerer.mode,
        )

    async def on_message(self, message: discord.Message) -> None:
        """Hand every message to the handler (it ignores what is not for us)."""
        await self.handler.on_message(message)

    async def on_error(self, event: str, *args: Any, **kwargs: Any) -> None:
        """Log an event that failed; the bot keeps running."""
        log.exception("error in Discord event %s", event)

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Tell the user politely (privately); the details go to the log."""
        if isinstance(error, app_commands.CheckFailure):
            text = "You don't have permission to use this command."
        else:
            log.exception("slash command failed", exc_info=error)
            text = "Sorry, something went wrong. Please try again in a moment."
        try:
            await reply_privately(interaction, text)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command")

    # -- slash commands ----------------------------------------------------------------------

    def _add_commands(self) -> None:
        tree, handler = self.tree, self.handler

        @tree.command(name="ask", description="Ask a question; get an answer with cited sources.")
        @app_commands.describe(question="Your question")
        async def ask(interaction: discord.Interaction[Any], question: str) -> None:
            await handler.on_ask(interaction, question)

        @tree.command(name="sources", description="List the indexed articles.")
        async def sources(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message(
                render_notice(await self.sources_text()),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

        @tree.command(name="about", description="How citebot answers: mode, model and collection.")
        async def about(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message(
                render_notice(await self.about_text()), ephemeral=True, allowed_mentions=NO_MENTIONS
            )

        @tree.command(name="citebot-sync", description="Admins: re-register citebot's commands.")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def resync(interaction: discord.Interaction[Any]) -> None:
            perms = interaction.permissions
            if not (perms.manage_guild or perms.administrator):
                await reply_privately(
                    interaction, "Only server managers can resync citebot's commands."
                )
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            synced = await tree.sync()
            await interaction.followup.send(
                f"Synced {len(synced)} commands. Discord may take a minute to show changes.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )

    async def sources_text(self) -> str:
        """What `/sources` shows: how many articles, the newest ones with their dates."""
        records = await asyncio.to_thread(self.citebot.store.records)
        dated = sorted(records.values(), key=lambda r: r.published_date or "", reverse=True)
        count = len(records)
        lines = [
            f"**{count:,} article{'s' if count != 1 else ''} indexed** "
            f"in `{self.settings.collection}`."
        ]
        if dated and dated[0].published_date:
            oldest = min((r.published_date for r in dated if r.published_date), default="")
            lines.append(f"Published {oldest} to {dated[0].published_date}.")
        lines.append("Newest:" if dated else "Nothing is indexed yet.")
        for record in dated[:SOURCES_SHOWN]:
            title = discord.utils.escape_markdown(record.title or record.doc_id)[:150]
            link = f" <{record.url}>" if record.url.startswith(("http://", "https://")) else ""
            lines.append(f"• {record.published_date or 'undated'} · {title}{link}")
        return neutralise("\n".join(lines))

    async def about_text(self) -> str:
        """What `/about` shows."""
        answerer = self.citebot.answerer
        documents = await asyncio.to_thread(answerer.documents)
        if answerer.mode == "llm":
            mode = f"LLM (`{self.settings.openai_model}`), checked against the sources"
        else:
            mode = "extractive: quotes the best sentences from the articles (no LLM)"
        return "\n".join(
            [
                "**citebot** answers from indexed articles and cites every claim.",
                f"Mode: {mode}",
                f"Embeddings: `{self.citebot.embedder.model_id}`",
                f"Collection: `{self.settings.collection}` ({documents:,} articles)",
                "Ask with `/ask`, or mention me; follow up in the thread I open.",
            ]
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("could not remember the synced commands (%s); will sync on next start", exc)
