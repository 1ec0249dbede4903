"""Strip template and markup debris from article text and normalise it.

Cleaning removes only things that are never prose: template tags (`{{^adFree}}`, `{% if %}`),
leftover HTML tags and comments, footnote markers glued to words ("tall.[2]"), and lines that
are nothing but an ad placeholder. Sentences are never dropped, so every fact in the source
survives into the index.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Mustache/Handlebars (`{{x}}`, `{{{x}}}`, `{{^x}}`, `{{/x}}`) and Jinja/Liquid (`{% x %}`,
# `{# x #}`).
_TEMPLATE_TAG = re.compile(r"\{\{\{?[^{}\n]{0,200}\}?\}\}|\{%[^%\n]{0,200}%\}|\{#[^#\n]{0,200}#\}")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_BLOCK = re.compile(r"<(script|style|noscript|iframe)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.I)
# A tag must start with a letter (or `/letter`) so "a < b" and "<3" in prose survive.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]{0,500})?/?>")
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|h[1-6]|tr|section|article|blockquote)\b[^<>]*>", re.I)
_AD_LINE = re.compile(
    r"^\s*[\[(]?\s*(?:advertisement|advert|ad|sponsored(?: content)?|story continues below"
    r"(?: this)? advertisement|continue reading below|skip advertisement|ad feedback|"
    r"\[?ad placeholder\]?)\s*[\])]?\s*$",
    re.I,
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Every whitespace character but the newline (what `[^\S\n]` matches, spelled out: faster).
SPACE_CHARS = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Runs of them that are not already one plain space (most are).
_SPACES = re.compile(f"[{SPACE_CHARS}]{{2,}}|[{SPACE_CHARS.replace(' ', '')}]")
_BLANK_LINES = re.compile(r"\n{3,}")
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/|#|mailto:)[^)\n]*\)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
# Wikipedia-style footnote markers glued to the text ("tall.[2]", "1958[3][4]"): never prose,
# and they would read as citation markers in answers. "See [5]." (after a space) is kept.
_FOOTNOTE = re.compile(
    r"\[(?<=[^\s\[]\[)(?:\d{1,3}|citation needed)\](?:\[(?:\d{1,3}|citation needed)\])*"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Unicode category Cc minus \t \n


def clean_text(text: str, *, markdown: bool = False) -> str:
    """Return `text` without markup debris, with normalised unicode and whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _TEMPLATE_TAG.sub(" ", text)
    text = _HTML_COMMENT.sub(" ", text)
    text = _HTML_BLOCK.sub(" ", text)
    text = _BLOCK_TAG.sub("\n", text)
    text = _HTML_TAG.sub("", text)  # inline tags (b, span, a) sit inside words and phrases
    text = html.unescape(text)
    if markdown:
        text = _MD_IMAGE.sub(r"\1", text)
        text = _MD_LINK.sub(r"\1", text)
        text = _MD_HEADING.sub("", text)
    text = _FOOTNOTE.sub("", text)
    # Control characters other than newline and tab are never text.
    text = _CONTROL.sub("", text)
    lines = [line.strip() for line in _SPACES.sub(" ", text).split("\n")]
    lines = [line for line in lines if not _AD_LINE.match(line)]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def drop_leading_title(text: str, title: str) -> str:
    """Drop a first line that only repeats the title (Markdown exports often start with it)."""
    first, _, rest = text.partition("\n")
    if title and first.strip().lower() == title.strip().lower():
        return rest.lstrip("\n")
    return text
