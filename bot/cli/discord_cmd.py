"""`citebot discord` (run the bot) and `citebot feedback --export` (write the votes out)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

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
) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    import aiohttp
    import discord

    from bot.app import build_citebot
    from bot.cli.main import fail, load_settings, user_errors
    from bot.discord_app.client import DiscordApp
    from bot.feedback import FeedbackStore, feedback_path

    logging.getLogger("bot").setLevel(logging.INFO)  # the start-up report is always shown
    with user_errors():
        settings = load_settings()
        if settings.discord_token is None:
            fail(f"DISCORD_TOKEN is not set: {TOKEN_HELP}")
        citebot = build_citebot(settings)
        feedback = FeedbackStore(feedback_path(settings))
        app = DiscordApp(citebot, feedback=feedback, sync=sync)
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
