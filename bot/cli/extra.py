"""Register the subcommands that live in their own modules.

Each module exposes `register(app)` and imports its heavy dependencies inside the commands, so
`citebot --help` stays fast.
"""

from __future__ import annotations

import importlib

import typer

MODULES = (
    "bot.cli.chat_cmd",
    "bot.cli.eval_cmd",
    "bot.cli.fit_cmd",
    "bot.cli.claims_cmd",
    "bot.cli.discord_cmd",
    "bot.cli.sync_cmd",
    "bot.cli.report_cmd",
)


def register(app: typer.Typer) -> None:
    """Add the command groups that are present to the `citebot` app."""
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)
