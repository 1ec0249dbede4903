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
from bot.discord_app import info
from bot.discord_app.admin import AdminCommands
from bot.discord_app.buttons import DYNAMIC_ITEMS
from bot.discord_app.delivery import NO_MENTIONS, reply_privately
from bot.discord_app.forum import ForumAnswers
from bot.discord_app.handler import QuestionHandler
from bot.discord_app.slash import SlashQuestions
from bot.discord_app.stale import StaleWatcher
from bot.discord_app.sync_task import SyncPlan, start_sync_task
from bot.feedback import FeedbackStore, feedback_path
from bot.settings import Settings

log = logging.getLogger(__name__)

ASK_MENU = "Ask citebot"
ASK_PRIVATELY_MENU = "Ask citebot (only me)"
# What the bot needs and no more (the README's "Invite it to your server" explains each one).
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


def intents_for(settings: Settings) -> discord.Intents:
    """Only what is used: guilds always; messages for mentions/follow-ups; content for follow-ups.

    Discord delivers the content of messages that mention the bot without the privileged
    message-content intent, so it is requested only when thread follow-ups are on.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = bool(
        settings.mentions or settings.followups or settings.forum_channels
    )
    # A forum post's text (not only its title) is message content too.
    intents.message_content = bool(settings.followups or settings.forum_channels)
    return intents


class _Hooks:
    citebot: DiscordApp
    feedback: FeedbackStore | None  # read by the feedback buttons
    escalate_role: int | None  # read by the "Ask a human" button
    escalated: set[str]  # answers someone already asked a human about
    ask_again: Any  # the "Ask again" button's coroutine

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
        client.escalate_role = self.settings.escalate_role
        client.escalated = set()
        client.ask_again = self.ask_again
        self.client: discord.Client = client
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self.client)
        self.handler = QuestionHandler(
            settings=self.settings,
            answerer=citebot.answerer,
            me=lambda: self.client.user,
            feedback=feedback,
            stream_interval=stream_interval,
        )
        self.slash = SlashQuestions(self.handler)
        self.forum = ForumAnswers(self.handler)
        self.admin = AdminCommands(citebot, self.tree.sync)
        self.stale = (
            StaleWatcher(
                self.client,
                store=citebot.store,
                feedback=feedback,
                days=self.settings.stale_days,
                interval=self.settings.stale_check_seconds,
            )
            if feedback is not None
            else None
        )
        self._add_commands()
        self.tree.error(self.on_app_command_error)
        for event in (self.on_ready, self.on_message, self.on_thread_create, self.on_error):
            self.client.event(event)

    # -- lifecycle ---------------------------------------------------------------------------

    async def setup(self) -> None:
        """Called once before connecting: buttons survive restarts; commands sync when changed."""
        self.client.add_dynamic_items(*DYNAMIC_ITEMS)
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
                    "Run `citebot discord --sync` or `/citebot sync-commands` later.",
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
        """Log where we are, what we search and how we answer; start watching for changes."""
        if self.stale is not None:
            self.stale.start()  # once: on_ready comes again after reconnects
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
        tree, slash = self.tree, self.slash

        @tree.command(name="ask", description="Ask a question; get an answer with cited sources.")
        @app_commands.describe(question="Your question")
        async def ask(interaction: discord.Interaction[Any], question: str) -> None:
            await slash.on_ask(interaction, question)

        @tree.command(name="sources", description="List the indexed articles.")
        async def sources(interaction: discord.Interaction[Any]) -> None:
            await reply_privately(interaction, await info.sources_text(self.citebot))

        @tree.command(name="about", description="How citebot answers: mode, model and collection.")
        async def about(interaction: discord.Interaction[Any]) -> None:
            await reply_privately(interaction, await info.about_text(self.citebot))

        @tree.context_menu(name=ASK_MENU)
        async def ask_menu(interaction: discord.Interaction[Any], message: discord.Message) -> None:
            await slash.on_message_command(interaction, message, private=False)

        @tree.context_menu(name=ASK_PRIVATELY_MENU)
        async def ask_privately(
            interaction: discord.Interaction[Any], message: discord.Message
        ) -> None:
            await slash.on_message_command(interaction, message, private=True)

        tree.add_command(self.admin.group)

    async def ask_again(self, interaction: discord.Interaction[Any], question: str) -> None:
        """The "Ask again" button: answer the recorded question anew, like `/ask`."""
        await self.slash.on_ask(interaction, question, rewrite=False)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """Answer a new post in one of the forum channels."""
        await self.forum.on_thread_create(thread)


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
