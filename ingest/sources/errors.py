"""Why one web source could not be read; each message becomes that source's skip reason.

FetchError          a URL could not be read (status, timeout, size, type, redirects)
└── FetchRefused    citebot will not fetch it (robots.txt, a private address, a bad URL)
"""

from __future__ import annotations


class FetchError(Exception):
    """A URL could not be read; the message says why, for the skip list."""


class FetchRefused(FetchError):
    """citebot will not fetch this URL (robots.txt, a private address, a bad scheme)."""
