"""What `/sources` and `/about` show (read-only, for everyone)."""

from __future__ import annotations

import asyncio

import discord

from bot.app import Citebot
from bot.discord_app.rendering import neutralise

SOURCES_SHOWN = 10


async def sources_text(citebot: Citebot) -> str:
    """What `/sources` shows: how many articles, the newest ones with their dates."""
    records = await asyncio.to_thread(citebot.store.records)
    dated = sorted(records.values(), key=lambda r: r.published_date or "", reverse=True)
    count = len(records)
    lines = [
        f"**{count:,} article{'s' if count != 1 else ''} indexed** "
        f"in `{citebot.settings.collection}`."
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


async def about_text(citebot: Citebot) -> str:
    """What `/about` shows."""
    answerer = citebot.answerer
    documents = await asyncio.to_thread(answerer.documents)
    if answerer.mode == "llm":
        mode = f"LLM (`{citebot.settings.openai_model}`), checked against the sources"
    else:
        mode = "extractive: quotes the best sentences from the articles (no LLM)"
    return "\n".join(
        [
            "**citebot** answers from indexed articles and cites every claim.",
            f"Mode: {mode}",
            f"Embeddings: `{citebot.embedder.model_id}`",
            f"Collection: `{citebot.settings.collection}` ({documents:,} articles)",
            "Ask with `/ask`, or mention me; follow up in the thread I open.",
        ]
    )
