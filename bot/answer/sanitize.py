"""Make a model's reply safe to show before anything else reads it.

A reply is untrusted text: the sources it was given may carry instructions, and the model may
follow them. Three things are removed or defused, whatever the prompt said:

- mentions: `@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>` become inert text;
- citation markers that point at no real source (`[7]` with five sources, `[1000]`, `[^7]`);
  lists such as `[1, 7]` are split into `[1]` and the real numbers kept;
- links to anywhere but the cited sources' own URLs (bare, `<...>`-wrapped or Markdown).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from bot.answer.models import Passage

ZERO_WIDTH_SPACE = "\u200b"
LINK_REMOVED = "(link removed)"

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")
_COMMAND_MENTION = re.compile(r"</([^\s:>]+):\d+>")
# Any "@" before a word character: `@everyone`, `@here` and lookalike role names.
_AT_WORD = re.compile(r"[@＠﹫](?=\w)")
_CITATION_LIST = re.compile(r"\[\^?\s*(\d+(?:\s*[,;]\s*\^?\d+)*)\s*\]|【\s*(\d+)\s*】")
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]+)>?\s*\)")
_BARE_LINK = re.compile(
    r"<?(?:(?:https?|ftp)://|www\.|discord(?:app)?\.(?:gg|com/invite)/)[^\s<>\"'`)\]]+>?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\""


def sanitize_answer(text: str, passages: Sequence[Passage]) -> str:
    """Defuse mentions, drop citations to missing sources and links to foreign sites."""
    allowed = {p.url.strip() for p in passages if p.url.strip()}
    text = keep_source_links(text, allowed)
    text = keep_real_citations(text, len(passages))
    return neutralise_mentions(text)


def neutralise_mentions(text: str) -> str:
    """Turn every Discord mention form into inert text."""
    text = _USER_MENTION.sub("@user", text)
    text = _ROLE_MENTION.sub("@role", text)
    text = _CHANNEL_MENTION.sub("#channel", text)
    text = _COMMAND_MENTION.sub(r"/\1", text)
    return _AT_WORD.sub(lambda m: m.group(0) + ZERO_WIDTH_SPACE, text)


def keep_real_citations(text: str, n_sources: int) -> str:
    """Keep `[n]` only for 1 <= n <= n_sources; split lists into one marker per number."""

    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1) or match.group(2))]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers) if 1 <= n <= n_sources)

    return _CITATION_LIST.sub(replace, text)


def keep_source_links(text: str, allowed: Collection[str]) -> str:
    """Drop links whose target is not one of `allowed` (Markdown links keep their label)."""

    def markdown(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        return match.group(0) if _same(url, allowed) else label

    def bare(match: re.Match[str]) -> str:
        raw = match.group(0)
        url = raw.strip("<>").rstrip(_TRAILING)
        tail = raw.strip("<>")[len(url) :]
        return raw if _same(url, allowed) else LINK_REMOVED + tail

    text = _MD_LINK.sub(markdown, text)
    return _BARE_LINK.sub(bare, text)


def _same(url: str, allowed: Collection[str]) -> bool:
    url = url.strip().strip("<>")
    return url in allowed or url.rstrip("/") in {a.rstrip("/") for a in allowed}
