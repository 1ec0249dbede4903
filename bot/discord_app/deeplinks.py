"""Links that open an article at the quoted passage: URL text fragments (`#:~:text=start,end`).

A browser that supports text fragments (Chrome, Edge, Safari, Firefox 131+) scrolls to the first
match of the directive and highlights it; others just open the page. Per the WICG spec, the
directive's terms are percent-encoded, and `-`, `,` and `&` always are because they are its
syntax. We encode everything outside the unreserved characters (letters, digits, `.`, `_`, `~`),
so the link survives Discord's Markdown (`[title](url)`) and holds only ASCII.

A short quote becomes one term (`text=the%20words`); a longer one a range of its first and last
few words (`text=first%20words,last%20words`), which keeps the link short: Discord counts the
link against the embed's 4,096-character description. A PDF links to its page (`#page=3`).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

DIRECTIVE = ":~:text="
EDGE_WORDS = 4  # words quoted at each end of a range
WHOLE_WORDS = 8  # quotes up to this many words are matched whole
FRAGMENT_CHARS = 300  # longest directive we append
_UNRESERVED = "._~"  # plus letters and digits (`quote` never encodes them)
_ELLIPSES = ("…", "...")


def encode_term(text: str) -> str:
    """Percent-encode one text-directive term (UTF-8; `-`, `,`, `&` and spaces included)."""
    # `quote` always leaves `-` alone (it is unreserved in URLs), but it is directive syntax.
    return quote(text, safe=_UNRESERVED).replace("-", "%2D")


def quoted_words(quote_text: str) -> list[str]:
    """The words of the first quoted passage, without the ellipses that mark a cut."""
    first = quote_text.replace("...", "…").split("…", 1)[0] if quote_text else ""
    words = first.split()
    return [w for w in words if w not in _ELLIPSES]


def text_fragment(quote_text: str, *, limit: int = FRAGMENT_CHARS) -> str:
    """`:~:text=...` for the quote, at most `limit` characters, or "" when nothing fits."""
    words = quoted_words(quote_text)
    if not words:
        return ""
    if len(words) <= WHOLE_WORDS:
        directive = DIRECTIVE + encode_term(" ".join(words))
        if len(directive) <= limit:
            return directive
    for edge in range(min(EDGE_WORDS, len(words) // 2), 0, -1):
        start, end = " ".join(words[:edge]), " ".join(words[-edge:])
        directive = f"{DIRECTIVE}{encode_term(start)},{encode_term(end)}"
        if len(directive) <= limit:
            return directive
    return ""


def deep_link(url: str, quote_text: str, *, page: int = 0, limit: int = FRAGMENT_CHARS) -> str:
    """`url` with a text fragment pointing at the quote (unchanged if it already has one).

    Browsers' PDF viewers ignore text fragments but open `#page=N`, so a PDF links to the page
    the quote is on (or to itself when the page is unknown).
    """
    if not url or DIRECTIVE[:3] in url or "#page=" in url:
        return url
    if urlsplit(url).path.lower().endswith(".pdf"):
        return f"{url.split('#', 1)[0]}#page={page}" if page > 0 else url
    fragment = text_fragment(quote_text, limit=limit)
    if not fragment:
        return url
    return f"{url}{fragment}" if "#" in url else f"{url}#{fragment}"
