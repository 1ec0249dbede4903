"""Turn an `Answer` into Discord messages (content + embeds) that respect every Discord limit.

Long text is split at paragraph, line, sentence, then word boundaries; a code block is never cut
without being closed and reopened, and a `[n]` citation always stays with the word before it.
Mentions are neutralised in every string we produce, as defence in depth on top of
`AllowedMentions.none()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord

from bot.answer.citations import trim
from bot.answer.models import Answer, Citation
from bot.discord_app.deeplinks import deep_link

MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10

QUOTE_CHARS = 300  # per part of a quote
QUOTE_PARTS = 3
TITLE_CHARS = 200
URL_CHARS = 512
STREAM_SUFFIX = " …"

_MENTION = re.compile(r"@(everyone|here|[!&]?\d)")
_FENCE = re.compile(r"^```[^\n]*\n.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CITATION = re.compile(r"\[\d{1,3}\]")
# A sentence ends at punctuation (plus any citation markers right after it) and whitespace.
_SENTENCE_END = re.compile(r"[.!?]+(?:\s*\[\d{1,3}\])*\s+(?!\s*\[\d{1,3}\])")
# Whitespace we may break at: never right before a citation marker.
_BREAK = re.compile(r"\s+(?!\s*\[\d{1,3}\])")
_MARKDOWN_LINK_CHARS = str.maketrans({"[": "(", "]": ")"})


@dataclass(slots=True)
class Outgoing:
    """One Discord message to send: its content and embeds."""

    content: str
    embeds: list[discord.Embed] = field(default_factory=list)


def neutralise(text: str) -> str:
    """Break `@everyone`, `@here`, user and role mentions with a zero-width space."""
    return _MENTION.sub("@\u200b\\1", text)


# -- splitting ---------------------------------------------------------------------------------


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters at the friendliest boundary."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    blocks: list[str] = []
    position = 0
    for match in _FENCE.finditer(text):
        blocks.extend(p for p in re.split(r"\n\s*\n", text[position : match.start()]) if p.strip())
        blocks.append(match.group())
        position = match.end()
    blocks.extend(p for p in re.split(r"\n\s*\n", text[position:]) if p.strip())
    pieces: list[str] = []
    for block in blocks:
        if block.startswith("```"):
            pieces.extend(_split_code(block.strip(), limit))
        else:
            pieces.extend(_split_prose(block.strip(), limit))
    return _pack(pieces, limit, "\n\n")


def _pack(pieces: list[str], limit: int, joiner: str) -> list[str]:
    """Greedily join pieces (each already within `limit`) into as few chunks as fit."""
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + len(joiner) + len(piece) <= limit:
            out[-1] = f"{out[-1]}{joiner}{piece}"
        else:
            out.append(piece)
    return out


def _split_prose(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    lines = [line for line in block.split("\n") if line.strip()]
    if len(lines) > 1:
        return _pack([p for line in lines for p in _split_prose(line, limit)], limit, "\n")
    sentences = _sentences(block)
    if len(sentences) > 1:
        return _pack([p for s in sentences for p in _split_words(s, limit)], limit, " ")
    return _split_words(block, limit)


def _sentences(block: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(block):
        out.append(block[start : match.end()].strip())
        start = match.end()
    out.append(block[start:].strip())
    return [s for s in out if s]


def _split_words(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    words = [w for w in _BREAK.split(sentence) if w]
    out: list[str] = []
    for word in words:
        out.extend(_hard_cut(word, limit))
    return _pack(out, limit, " ")


def _hard_cut(word: str, limit: int) -> list[str]:
    """Cut a word longer than `limit`, never inside a `[n]` marker."""
    out: list[str] = []
    while len(word) > limit:
        cut = limit
        for marker in _CITATION.finditer(word):
            if marker.start() < cut < marker.end():
                cut = marker.start() if marker.start() > 0 else marker.end()
        out.append(word[:cut])
        word = word[cut:]
    if word:
        out.append(word)
    return out


def _split_code(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    header, _, rest = block.partition("\n")
    header = header if len(header) <= 20 else "```"
    body = rest.rsplit("```", 1)[0].rstrip("\n")
    opener, closer = f"{header}\n", "\n```"
    room = limit - len(opener) - len(closer)
    lines: list[str] = []
    for line in body.split("\n"):
        lines.extend(line[i : i + room] for i in range(0, max(len(line), 1), room))
    chunks = _pack(lines, room, "\n")
    return [f"{opener}{chunk}{closer}" for chunk in chunks]


# -- answers -----------------------------------------------------------------------------------


def answer_text(answer: Answer) -> str:
    """The message text for an answer: the cited text, or a refusal that says what was searched."""
    if answer.refused and answer.unsupported_language:
        text = answer.text
    elif answer.refused:
        closest = (
            f" The closest article is {nearest_text(answer.nearest)}." if answer.nearest else ""
        )
        text = (
            f"I couldn't find that in {answer.searched_phrase()}.{closest} Try rephrasing, or use "
            "`/sources` to see what is indexed."
        )
    elif answer.mode == "extractive":
        # Quoted article text is verbatim: its `*` and `__` are characters, not formatting.
        text = discord.utils.escape_markdown(answer.text)
    else:
        text = answer.text
    if answer.notice:
        text = f"{text}\n\n*{answer.notice}*"
    return neutralise(text)


def nearest_text(article: Citation) -> str:
    """A refusal's closest article: its bold title, date and link (not embedded)."""
    title = discord.utils.escape_markdown(trim(article.title or article.doc_id, TITLE_CHARS))
    url = _safe_url(article.url)
    date = f" ({article.published_date})" if article.published_date else ""
    return f"**{title}**{date}" + (f" <{url}>" if url else "")


def footer_text(answer: Answer) -> str:
    """One line under the sources: how the answer was made, how much was searched, as of when."""
    parts = ["Quoted from the articles" if answer.mode == "extractive" else "Written by the model"]
    if answer.fallback:
        parts[0] = "Fallback: quoted from the articles"
    if answer.searched:
        parts.append(f"{answer.searched:,} article{'s' if answer.searched != 1 else ''} searched")
    if answer.as_of:
        parts.append(f"as of {answer.as_of}")
    return neutralise(" · ".join(parts))[:EMBED_FOOTER_LIMIT]


def _safe_url(url: str) -> str:
    if not url.startswith(("https://", "http://")) or len(url) > URL_CHARS:
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(">", "%3E")


def source_entry(citation: Citation, *, embed: bool) -> str:
    """One numbered source: linked title, date and the trimmed quote."""
    title = neutralise(
        discord.utils.escape_markdown(trim(citation.title or citation.doc_id, TITLE_CHARS))
    )
    url = _safe_url(citation.url)
    if url:
        url = deep_link(url, citation.quote, page=citation.page)  # opens at the quote
    if embed:
        head = f"**[{citation.n}]** " + (
            f"[{title.translate(_MARKDOWN_LINK_CHARS)}]({url})" if url else f"**{title}**"
        )
    else:
        head = f"**[{citation.n}]** {title}" + (f" <{url}>" if url else "")
    if citation.where:
        head += f" · {citation.where}"
    # each claim's evidence trimmed on its own: one source may back two claims ("A … B")
    parts = [trim(part, QUOTE_CHARS) for part in citation.quote.split(" … ")[:QUOTE_PARTS]]
    quote = neutralise(discord.utils.escape_markdown(" … ".join(parts)))
    return f"{head}\n> {quote}" if quote else head


def sources_embeds(answer: Answer) -> list[discord.Embed]:
    """The sources as embeds: descriptions within 4,096 characters, footer on the last one."""
    entries = [source_entry(c, embed=True) for c in answer.citations]
    descriptions = _pack(entries, EMBED_DESCRIPTION_LIMIT, "\n\n")
    embeds = []
    for i, description in enumerate(descriptions):
        title = "Sources" if i == 0 else "Sources (continued)"
        embeds.append(discord.Embed(title=title, description=description, colour=0x5865F2))
    if embeds:
        embeds[-1].set_footer(text=footer_text(answer))
    return embeds


def embed_length(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6,000 per message limit."""
    return len(embed)


def group_embeds(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6,000 characters in total."""
    groups: list[list[discord.Embed]] = []
    total = 0
    for embed in embeds:
        size = embed_length(embed)
        if not groups or len(groups[-1]) == EMBEDS_PER_MESSAGE or total + size > EMBED_TOTAL_LIMIT:
            groups.append([])
            total = 0
        groups[-1].append(embed)
        total += size
    return groups


def render_answer(answer: Answer, *, use_embeds: bool = True) -> list[Outgoing]:
    """The messages that show `answer`: text parts, then the sources (embeds or a compact list)."""
    text = answer_text(answer)
    if answer.refused or not answer.citations:
        return [Outgoing(part) for part in split_text(text)] or [Outgoing("…")]
    if not use_embeds:
        sources = "\n".join(source_entry(c, embed=False) for c in answer.citations)
        footer = footer_text(answer)
        return [
            Outgoing(part) for part in split_text(f"{text}\n\n**Sources**\n{sources}\n-# {footer}")
        ]
    messages = [Outgoing(part) for part in split_text(text)] or [Outgoing("")]
    groups = group_embeds(sources_embeds(answer))
    messages[-1].embeds = groups[0]
    messages.extend(Outgoing("", group) for group in groups[1:])
    return messages


def render_partial(text: str) -> str:
    """A streaming preview of the model's text so far, within one message."""
    body = neutralise(text.strip())
    room = MESSAGE_LIMIT - len(STREAM_SUFFIX)
    if len(body) > room:
        body = body[: room - 1].rsplit(" ", 1)[0] or body[: room - 1]
    return f"{body}{STREAM_SUFFIX}"


def render_notice(text: str) -> str:
    """A short status or error line, safe to send."""
    return neutralise(text)[:MESSAGE_LIMIT]
