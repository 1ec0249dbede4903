"""`citebot discord` (run the bot) and `citebot feedback --export` (write the votes out)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.discord_app.sync_task import SyncPlan

TOKEN_HELP = (
    "set DISCORD_TOKEN in the environment or .env to your bot's token "
    "(Discord developer portal: https://discord.com/developers/applications -> your app -> Bot -> "
    "Reset Token)."
)
INTENT_HELP = (
    "Discord refused the Message Content intent. Enable it in the developer portal "
    "(your app -> Bot -> Privileged Gateway Intents -> Message Content Intent), "
    "or set CITEBOT_FOLLOWUPS=false to run without thread follow-ups."
)


def discord_command(
    sync: Annotated[
        bool, typer.Option("--sync", help="Re-register the slash commands with Discord on start.")
    ] = False,
    sync_every: Annotated[
        str | None,
        typer.Option(
            "--sync-every",
            help="Also sync the sources file every INTERVAL (15m, 1h) while the bot runs.",
        ),
    ] = None,
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources", help="The sources file for --sync-every [default: ./citebot.toml]."
        ),
    ] = None,
) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    import aiohttp
    import discord

    from bot.app import build_citebot
    from bot.cli.main import fail, load_settings, user_errors
    from bot.discord_app.client import DiscordApp
    from bot.discord_app.sync_task import sync_with
    from bot.feedback import FeedbackStore, feedback_path
    from ingest.index.embeddings import build_embedder
    from ingest.index.errors import EmptyIndex

    logging.getLogger("bot").setLevel(logging.INFO)  # the start-up report is always shown
    with user_errors():
        settings = load_settings()
        if settings.discord_token is None:
            fail(f"DISCORD_TOKEN is not set: {TOKEN_HELP}")
        plan = sync_plan(sync_every, sources, max_pages=settings.max_pages)
        try:
            citebot = build_citebot(settings)
        except EmptyIndex:
            if plan is None:
                raise
            typer.echo("The index is empty: syncing the sources once before connecting.", err=True)
            sync_with(settings, build_embedder(settings), plan)
            citebot = build_citebot(settings)
        feedback = FeedbackStore(feedback_path(settings))
        app = DiscordApp(citebot, feedback=feedback, sync=sync, sync_plan=plan)
        token = settings.discord_token.get_secret_value()
        try:
            app.client.run(token, log_handler=None)
        except discord.LoginFailure:
            fail(f"Discord rejected DISCORD_TOKEN: {TOKEN_HELP}")
        except discord.PrivilegedIntentsRequired:
            fail(INTENT_HELP)
        except (
            aiohttp.ClientError,
            OSError,
            discord.GatewayNotFound,
            discord.HTTPException,
        ) as exc:
            fail(
                f"cannot reach Discord ({type(exc).__name__}). Check the network connection "
                "(and https://discordstatus.com), then run `citebot discord` again."
            )


def sync_plan(every: str | None, sources: Path | None, *, max_pages: int) -> SyncPlan | None:
    """The background sync `--sync-every` asks for (None without it); exits on a bad value."""
    from bot.cli.main import fail
    from bot.discord_app.sync_task import SyncPlan
    from ingest.sources.config import DEFAULT_FILE, load_sources, parse_duration

    if every is None:
        return None
    try:
        interval = parse_duration(every)
    except ValueError as exc:
        fail(f"--sync-every: {exc}.")
    return SyncPlan(load_sources(sources or DEFAULT_FILE, max_pages=max_pages), interval)


def feedback_command(
    export: Annotated[
        Path, typer.Option("--export", help="Write every vote as JSON Lines to this file.")
    ],
) -> None:
    """Export the 👍/👎 votes people gave in Discord."""
    from bot.cli.main import fail, load_settings, user_errors
    from bot.feedback import FeedbackStore, feedback_path

    with user_errors():
        settings = load_settings()
        path = feedback_path(settings)
        if not path.exists():
            typer.echo(f"No feedback yet ({path} does not exist); wrote nothing.", err=True)
            raise typer.Exit(0)
        try:
            count = FeedbackStore(path).export_jsonl(export)
        except OSError as exc:
            fail(f"cannot write {export} ({exc.strerror or exc}).")
    typer.echo(f"Wrote {count} votes to {export}.")


def register(app: typer.Typer) -> None:
    """Add `discord` and `feedback` to the citebot command."""
    app.command(name="discord")(discord_command)
    app.command(name="feedback")(feedback_command)
