"""Citation links open the article at the quote: WICG text fragments, encoded per the spec."""

from __future__ import annotations

import string
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from bot.answer.models import Citation
from bot.discord_app.deeplinks import FRAGMENT_CHARS, deep_link, quoted_words, text_fragment
from bot.discord_app.rendering import source_entry

ALLOWED = set(string.ascii_letters + string.digits + "._~%")

# Words with the punctuation, quotes and scripts that real quotes carry.
PIECES = [*"abcXYZ019-,&'\"“”‘’«»()[]#%?!:;/=+*.éüßçñøæ中文日本語한국어Ωπ", "e\u0301", "😀"]
# "..." marks a cut in a quote (only the words before it are linked), so a word never holds one.
word = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)
word = word.filter(lambda w: "..." not in w)


def terms(fragment: str) -> list[str]:
    assert fragment.startswith(":~:text=")
    return [unquote(term) for term in fragment.removeprefix(":~:text=").split(",")]


@given(st.lists(word, min_size=1, max_size=40))
def test_decoding_the_fragment_gives_back_the_quoted_words(words: list[str]) -> None:
    fragment = text_fragment(" ".join(words))
    assert fragment and len(fragment) <= FRAGMENT_CHARS
    body = fragment.removeprefix(":~:text=")
    for term in body.split(","):
        assert set(term) <= ALLOWED  # `-`, `,`, `&`, spaces, quotes, non-ASCII: all encoded
    decoded = terms(fragment)
    if len(decoded) == 1:
        assert decoded[0] == " ".join(words)
    else:
        start, end = decoded
        n_start, n_end = len(start.split()), len(end.split())
        assert start == " ".join(words[:n_start]) and end == " ".join(words[-n_end:])
        assert n_start == n_end and n_start + n_end <= len(words)


def test_a_short_quote_is_one_term_and_a_long_one_a_range() -> None:
    assert text_fragment("Honda targets 2040, not 2030 - R&D.") == (
        ":~:text=Honda%20targets%202040%2C%20not%202030%20%2D%20R%26D."
    )
    long = "Honda has set ambitious targets, aiming to transition to 100 percent electric sales."
    assert (
        text_fragment(long)
        == ":~:text=Honda%20has%20set%20ambitious,100%20percent%20electric%20sales."
    )


def test_ellipses_mark_cuts_and_only_the_first_passage_is_linked() -> None:
    assert quoted_words("First passage here … second one") == ["First", "passage", "here"]
    assert quoted_words("Cut mid way…") == ["Cut", "mid", "way"]
    assert quoted_words("") == []


def test_deep_link_keeps_an_existing_fragment_and_an_existing_directive() -> None:
    assert deep_link("https://a.example/p", "Two words") == (
        "https://a.example/p#:~:text=Two%20words"
    )
    assert deep_link("https://a.example/p#top", "Two words") == (
        "https://a.example/p#top:~:text=Two%20words"
    )
    assert deep_link("https://a.example/r.pdf", "Two words", page=4) == (
        "https://a.example/r.pdf#page=4"
    )
    assert deep_link("https://a.example/r.PDF?v=2", "Two words") == "https://a.example/r.PDF?v=2"
    already = "https://a.example/p#:~:text=x"
    assert deep_link(already, "Two words") == already
    assert deep_link("", "Two words") == ""


def test_the_source_link_in_an_embed_points_at_the_quote() -> None:
    citation = Citation(
        1, "d", "d::ab::00000", "Title", "https://news.example/a", "", "Quoted (sentence) here."
    )
    entry = source_entry(citation, embed=True)
    assert "[Title](https://news.example/a#:~:text=Quoted%20%28sentence%29%20here.)" in entry
