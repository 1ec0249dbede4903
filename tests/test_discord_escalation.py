""" "Ask a human" (CITEBOT_ESCALATE_ROLE) mentions that role only; every other send pings nobody."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest

from bot.app import build_citebot
from bot.discord_app.buttons import EscalateButton, FeedbackButton
from bot.discord_app.client import DiscordApp
from bot.feedback import FeedbackStore
from bot.settings import Settings
from tests.discord_support import fake_interaction

ROLE = 5150
APP_DIR = Path(__file__).resolve().parent.parent / "bot" / "discord_app"
SENDS = {"send", "send_message", "edit", "edit_original_response", "reply", "edit_message"}
# Our own `Target.send(Outgoing)` sets allowed_mentions itself (delivery.py, checked here too).
OWN_TARGETS = {"target", "where", "self.target"}


def app_with(settings: Settings, tmp_path: Path, role: int | None) -> DiscordApp:
    settings = settings.model_copy(update={"escalate_role": role})
    return DiscordApp(build_citebot(settings), feedback=FeedbackStore(tmp_path / "fb.sqlite3"))


def clicked(app: DiscordApp, channel: Any) -> Any:
    interaction = fake_interaction(channel=channel)
    interaction.client = app.client
    return interaction


def kinds(view: discord.ui.View | None) -> list[type]:
    return [type(item) for item in view.children] if view is not None else []


@pytest.fixture
def thread() -> Any:
    channel = mock.MagicMock(spec=discord.Thread, id=66)
    channel.send = mock.AsyncMock()
    return channel


async def test_refusals_offer_ask_a_human_which_mentions_only_the_role(
    seeded_settings: Settings, tmp_path: Path, thread: Any
) -> None:
    app = app_with(seeded_settings, tmp_path, ROLE)
    interaction = fake_interaction()
    await app.slash.on_ask(interaction, "How tall is the Eiffel tower in the rain?")
    [refusal] = interaction.followup.send.sent
    assert EscalateButton in kinds(refusal.kwargs["view"])
    button = next(i for i in refusal.kwargs["view"].children if isinstance(i, EscalateButton))

    await button.callback(clicked(app, thread))
    await button.callback(clicked(app, thread))  # a second click does not ping again

    [post] = thread.send.await_args_list
    assert post.args[0].startswith(f"<@&{ROLE}> ")
    allowed = post.kwargs["allowed_mentions"].to_dict()
    assert allowed == {"parse": [], "roles": [ROLE]}  # no users, no @everyone, no reply ping


async def test_a_thumbs_down_offers_a_human_and_answers_never_do_without_the_setting(
    seeded_settings: Settings, tmp_path: Path
) -> None:
    app = app_with(seeded_settings, tmp_path, ROLE)
    interaction = fake_interaction()
    await app.slash.on_ask(interaction, "What is Honda's 2040 target?")
    [answer] = interaction.followup.send.sent
    assert EscalateButton not in kinds(answer.kwargs["view"])  # answered: 👍/👎 only
    down = next(
        i for i in answer.kwargs["view"].children
        if isinstance(i, FeedbackButton) and i.vote == "down"
    )  # fmt: skip
    voter = clicked(app, None)

    await down.callback(voter)

    thanks = voter.response.send_message.await_args
    assert EscalateButton in kinds(thanks.kwargs["view"])
    assert thanks.kwargs["allowed_mentions"].to_dict() == {"parse": []}

    plain = app_with(seeded_settings, tmp_path, None)
    quiet = fake_interaction()
    await plain.slash.on_ask(quiet, "How tall is the Eiffel tower in the rain?")
    assert EscalateButton not in kinds(quiet.followup.send.sent[0].kwargs["view"])


def _receiver(node: ast.expr) -> str:
    return ast.unparse(node)


def test_every_send_and_edit_in_the_discord_adapter_sets_allowed_mentions() -> None:
    unguarded = []
    for path in sorted(APP_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in SENDS or _receiver(node.func.value) in OWN_TARGETS:
                continue
            keywords = {k.arg for k in node.keywords}
            if "allowed_mentions" in keywords or None in keywords:  # None: **kwargs
                continue
            unguarded.append(f"{path.name}:{node.lineno} {ast.unparse(node.func)}")
    assert not unguarded
    escalations = [
        path.name for path in APP_DIR.glob("*.py") if "roles=[" in path.read_text(encoding="utf-8")
    ]
    assert escalations == ["buttons.py"]  # the one place a mention is allowed
