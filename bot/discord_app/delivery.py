"""Put rendered answers into Discord: where to send, streaming edits, and permission fallbacks.

Every send and edit passes `allowed_mentions=AllowedMentions.none()`. When Discord refuses a send
(no permission to embed links, to create threads, to read history for a reply), we fall back to
a plain message and log the problem once per channel, not once per question.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import discord

from bot.discord_app.rendering import Outgoing, render_notice, render_partial

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
STREAM_INTERVAL = 1.0  # seconds between streaming edits (Discord allows ~5 edits per 5 s)

Sent = discord.Message | discord.WebhookMessage


class _Warned:
    """Log a permission problem once per (channel, problem)."""

    def __init__(self) -> None:
        self._seen: set[tuple[int, str]] = set()

    def __call__(self, channel_id: int, problem: str, exc: BaseException) -> None:
        key = (channel_id, problem)
        if key in self._seen:
            log.debug("again in channel %s: %s", channel_id, problem)
            return
        self._seen.add(key)
        log.warning("channel %s: %s (%s); falling back to a plain reply", channel_id, problem, exc)


warn_once = _Warned()


class Target(Protocol):
    """Somewhere an answer can be sent."""

    channel_id: int

    async def send(self, out: Outgoing, view: discord.ui.View | None = None) -> Sent:
        """Send one message."""
        ...


class ChannelTarget:
    """A channel or thread, optionally replying to a message (falls back to a plain send)."""

    def __init__(
        self, channel: discord.abc.Messageable, *, reply_to: discord.Message | None = None
    ):
        self.channel = channel
        self.reply_to = reply_to
        self.channel_id: int = getattr(channel, "id", 0)

    async def send(self, out: Outgoing, view: discord.ui.View | None = None) -> Sent:
        """Send `out` here, as a reply to the question when we have one."""
        kwargs: dict[str, Any] = {"embeds": out.embeds, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        if self.reply_to is not None:
            try:
                return await self.channel.send(
                    out.content or None, reference=self.reply_to, mention_author=False, **kwargs
                )
            except discord.HTTPException as exc:  # no Read Message History, or question deleted
                warn_once(self.channel_id, "cannot reply to messages", exc)
                self.reply_to = None
        return await self.channel.send(out.content or None, **kwargs)


class InteractionTarget:
    """The follow-up webhook of a deferred slash command."""

    def __init__(self, interaction: discord.Interaction[Any], *, ephemeral: bool = False):
        self.interaction = interaction
        self.channel_id = interaction.channel_id or 0
        self.ephemeral = ephemeral

    async def send(self, out: Outgoing, view: discord.ui.View | None = None) -> Sent:
        """Send `out` as a follow-up (seen only by the user when ephemeral)."""
        kwargs: dict[str, Any] = {"embeds": out.embeds, "allowed_mentions": NO_MENTIONS}
        if self.ephemeral:
            kwargs["ephemeral"] = True
        if view is not None:
            kwargs["view"] = view
        return await self.interaction.followup.send(out.content, wait=True, **kwargs)


async def edit(message: Sent, out: Outgoing, view: discord.ui.View | None = None) -> Sent:
    """Replace a message's content and embeds (and its buttons, when given)."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    edited = await message.edit(content=out.content or None, embeds=out.embeds, **kwargs)
    return edited if edited is not None else message


class StreamingMessage:
    """Show a model's text as it arrives: one message, edited at most once per `interval`."""

    def __init__(
        self,
        target: Target,
        *,
        interval: float = STREAM_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.target = target
        self.interval = interval
        self.clock = clock
        self.message: Sent | None = None
        self.edits = 0
        self._text = ""
        self._shown = ""
        self._last = float("-inf")
        self._pending: asyncio.Task[None] | None = None

    async def update(self, text: str) -> None:
        """Take the text so far; show it if the interval has passed and no edit is in flight."""
        self._text = text
        if not text.strip() or (self._pending is not None and not self._pending.done()):
            return
        if self.clock() - self._last < self.interval:
            return
        self._last = self.clock()
        self._pending = asyncio.create_task(self._show())

    async def _show(self) -> None:
        text = self._text
        if text == self._shown:
            return
        try:
            if self.message is None:
                self.message = await self.target.send(Outgoing(render_partial(text)))
            else:
                self.message = await edit(self.message, Outgoing(render_partial(text)))
                self.edits += 1
            self._shown = text
        except discord.HTTPException as exc:
            log.warning("streaming edit failed: %s", exc)

    async def settle(self) -> Sent | None:
        """Wait for an edit in flight; return the message shown so far (if any)."""
        if self._pending is not None:
            await self._pending
        return self.message


async def send_rendered(
    target: Target,
    messages: list[Outgoing],
    *,
    view: discord.ui.View | None,
    first: Sent | None = None,
    plain: Callable[[], list[Outgoing]] | None = None,
) -> list[Sent]:
    """Send (or, for `first`, edit into place) the messages; buttons go on the last one.

    If Discord refuses embeds (no Embed Links permission), resend with the `plain` rendering.
    """
    try:
        return await _send_all(target, messages, view=view, first=first)
    except discord.Forbidden as exc:
        if plain is None or not any(m.embeds for m in messages):
            raise
        warn_once(target.channel_id, "cannot embed links", exc)
        return await _send_all(target, plain(), view=view, first=first)


async def _send_all(
    target: Target, messages: list[Outgoing], *, view: discord.ui.View | None, first: Sent | None
) -> list[Sent]:
    sent: list[Sent] = []
    for i, out in enumerate(messages):
        last = i == len(messages) - 1
        if i == 0 and first is not None:
            sent.append(await edit(first, out, view if last else None))
        else:
            sent.append(await target.send(out, view if last else None))
    return sent


async def reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """Reply privately, whether or not the interaction was already answered."""
    if interaction.response.is_done():
        await interaction.followup.send(
            render_notice(text), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.response.send_message(
            render_notice(text), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class TypingIndicator:
    """Show "citebot is typing…" in the target's channel while answering (best effort)."""

    def __init__(self, target: Target):
        channel = getattr(target, "channel", None)
        self._cm = channel.typing() if isinstance(channel, discord.abc.Messageable) else None

    async def __aenter__(self) -> None:
        if self._cm is not None:
            try:
                await self._cm.__aenter__()
            except Exception as exc:  # a missing typing indicator must not stop the answer
                log.debug("typing indicator failed: %s", exc)
                self._cm = None

    async def __aexit__(self, *exc: object) -> None:
        if self._cm is not None:
            await self._cm.__aexit__(None, None, None)
