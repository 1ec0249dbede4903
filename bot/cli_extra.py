"""Register the subcommands that live in their own modules (eval, discord, feedback)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the optional command groups to the `citebot` app."""
