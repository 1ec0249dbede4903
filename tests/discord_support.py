"""Discord test helpers: fill dpytest 0.7's gaps (threads, raw payloads) and fake interactions.

dpytest 0.7 has no thread support: `Message.create_thread` reaches its catch-all `request()` and
raises NotImplementedError. `patch_dpytest` adds `start_thread_with_message` to its fake HTTP
client (it answers like Discord: a thread whose id is the starter message's and whose owner is
the bot, announced through THREAD_CREATE), and records the raw JSON payload of every send and
edit so tests can assert what Discord would receive, `allowed_mentions` included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend


@dataclass
class Wire:
    """Everything the bot sent to (fake) Discord, as raw payloads."""

    sends: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    forbid_threads: bool = False
    forbid_embeds: bool = False

    def payloads(self) -> list[dict[str, Any]]:
        """Sends and edits, in order of kind."""
        return self.sends + self.edits


def pings_nobody(payload: dict[str, Any]) -> bool:
    """True if a send/edit payload lets Discord ping no one (AllowedMentions.none())."""
    allowed = payload.get("allowed_mentions")
    return (
        allowed is not None
        and allowed.get("parse") == []
        and not allowed.get("replied_user")
        and not allowed.get("users")
        and not allowed.get("roles")
    )


def _forbidden(reason: str) -> discord.Forbidden:
    response = mock.Mock(status=403, reason="Forbidden")
    return discord.Forbidden(response, {"code": 50013, "message": f"Missing Permissions: {reason}"})


def patch_dpytest(monkeypatch: pytest.MonkeyPatch) -> Wire:
    """Teach dpytest's fake HTTP client threads, and record raw payloads."""
    wire = Wire()
    original_send = backend.FakeHttp.send_message
    original_edit = backend.FakeHttp.edit_message

    async def send_message(http: Any, channel_id: int, *, params: Any) -> Any:
        channel = sys._getframe(1).f_locals.get("channel")  # noqa: F841  # dpytest reads it here
        if wire.forbid_embeds and params.payload.get("embeds"):
            raise _forbidden("embed_links")
        wire.sends.append({"channel_id": channel_id, **params.payload})
        return await original_send(http, channel_id, params=params)

    async def edit_message(http: Any, channel_id: int, message_id: int, **fields: Any) -> Any:
        self = sys._getframe(1).f_locals.get("self")  # noqa: F841  # dpytest reads it too
        wire.edits.append(
            {"channel_id": channel_id, "message_id": message_id, **fields["params"].payload}
        )
        return await original_edit(http, channel_id, message_id, **fields)

    async def start_thread_with_message(
        http: Any, channel_id: int, message_id: int, *, name: str, **options: Any
    ) -> dict[str, Any]:
        if wire.forbid_threads:
            raise _forbidden("create_public_threads")
        channel = http.state.get_channel(channel_id)
        data: dict[str, Any] = {
            "id": str(message_id),
            "guild_id": str(channel.guild.id),
            "parent_id": str(channel_id),
            "owner_id": str(http.state.user.id),
            "name": name,
            "type": discord.ChannelType.public_thread.value,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "newly_created": True,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": options.get("auto_archive_duration", 1440),
                "archive_timestamp": dt.datetime.now(dt.UTC).isoformat(),
                "locked": False,
            },
        }
        wire.threads.append(data)
        http.state.parse_thread_create(data)
        return data

    monkeypatch.setattr(backend.FakeHttp, "send_message", send_message)
    monkeypatch.setattr(backend.FakeHttp, "edit_message", edit_message)
    monkeypatch.setattr(
        backend.FakeHttp, "start_thread_with_message", start_thread_with_message, raising=False
    )
    return wire


def make_thread(parent: discord.TextChannel, owner_id: int, name: str = "someone else's") -> Any:
    """A thread in `parent` started by `owner_id` (as if created by another user)."""
    state = backend.get_state()
    data = {
        "id": str(discord.utils.time_snowflake(dt.datetime.now(dt.UTC))),
        "guild_id": str(parent.guild.id),
        "parent_id": str(parent.id),
        "owner_id": str(owner_id),
        "name": name,
        "type": discord.ChannelType.public_thread.value,
        "message_count": 0,
        "member_count": 1,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "locked": False,
        },
    }
    state.parse_thread_create(data)
    return parent.guild.get_thread(int(data["id"]))


# -- slash commands ---------------------------------------------------------------------------


@dataclass
class FakeSent:
    """A message returned by a fake follow-up: records its edits."""

    content: str | None
    kwargs: dict[str, Any]
    id: int = 0
    edits: list[dict[str, Any]] = field(default_factory=list)

    async def edit(self, **kwargs: Any) -> FakeSent:
        self.edits.append(kwargs)
        return self


def fake_interaction(
    *,
    channel: Any = None,
    user_id: int = 4242,
    created_at: dt.datetime | None = None,
    manage_guild: bool = False,
) -> Any:
    """A spec'd `discord.Interaction` whose response and follow-up record what they were asked."""
    interaction = mock.MagicMock(spec_set=discord.Interaction)
    interaction.channel = channel
    interaction.channel_id = getattr(channel, "id", 555)
    interaction.created_at = created_at or dt.datetime(2024, 3, 20, 12, tzinfo=dt.UTC)
    user = mock.MagicMock(spec_set=discord.Member)
    user.id = user_id
    user.display_name = "Tester"
    interaction.user = user
    interaction.permissions = discord.Permissions(manage_guild=manage_guild)

    response = mock.MagicMock(spec_set=discord.InteractionResponse)
    state = {"done": False}
    response.is_done.side_effect = lambda: state["done"]

    async def defer(**kwargs: Any) -> None:
        state["done"] = True

    async def send_message(*args: Any, **kwargs: Any) -> None:
        state["done"] = True

    response.defer = mock.AsyncMock(side_effect=defer)
    response.send_message = mock.AsyncMock(side_effect=send_message)
    interaction.response = response

    sent: list[FakeSent] = []
    followup = mock.MagicMock(spec_set=discord.Webhook)

    async def send(content: str | None = None, **kwargs: Any) -> FakeSent:
        message = FakeSent(content, kwargs, id=len(sent) + 1)
        sent.append(message)
        return message

    followup.send = mock.AsyncMock(side_effect=send)
    followup.send.sent = sent
    interaction.followup = followup
    return interaction


async def connect_dpytest(client: discord.Client, *, members: int = 2) -> None:
    """Connect a real client to dpytest's fake Discord (after `_async_setup_hook`)."""
    await client._async_setup_hook()
    # dpytest builds members and resolves mentions through the member cache, which our minimal
    # intents (no privileged Members intent) leave empty. Real Discord sends mentioned users in
    # the message payload, so only the fake needs the cache.
    client._connection._intents.members = True
    client._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(
        client._connection._intents
    )
    dpytest.configure(client, members=members)
    # dpytest swaps in a fresh connection state after setup; give it the running loop.
    client._connection.loop = asyncio.get_running_loop()
