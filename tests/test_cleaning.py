"""Cleaning strips markup debris generically and keeps every real sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.cleaning import SPACE_CHARS, clean_text

SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_1892bcad98d92338.txt"


def test_seed_debris_is_removed_and_sentences_kept() -> None:
    raw = (
        "reported Reuters. {{^adFree}} {{/adFree}}\n\n"
        "Honda has set ambitious targets, aiming to transition to 100 percent electric and fuel "
        "cell vehicle sales by 2040. {{^adFree}} {{/adFree}}\n"
    )
    cleaned = clean_text(raw)
    assert "{{" not in cleaned and "}}" not in cleaned
    assert "reported Reuters." in cleaned
    assert "100 percent electric and fuel cell vehicle sales by 2040." in cleaned


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="../shared is not beside the repo")
def test_shared_seed_article_cleans_without_losing_text() -> None:
    raw = SHARED_SEED.read_text(encoding="utf-8")
    cleaned = clean_text(raw)
    assert "adFree" not in cleaned
    # Every word of the original except the template tags survives, in order.
    assert cleaned.split() == raw.replace("{{^adFree}}", "").replace("{{/adFree}}", "").split()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hello {{ user.name }} world.", "Hello world."),
        ("A {{{raw_html}}} B.", "A B."),
        ("{% if premium %}Paywalled?{% endif %} Text.", "Paywalled? Text."),
        ("<p>First.</p><p>Second <b>bold</b>.</p>", "First.\n\nSecond bold."),
        ("Before <!-- tracking pixel --> after.", "Before after."),
        ("Keep a < b and 3 > 2 and <3 hearts.", "Keep a < b and 3 > 2 and <3 hearts."),
        ("Para one.\n\nAdvertisement\n\nPara two.", "Para one.\n\nPara two."),
        ("Tom &amp; Jerry\u00a0met\u200b here.", "Tom & Jerry met here."),
        ("Spaces   and\ttabs\n\n\n\nand lines", "Spaces and tabs\n\nand lines"),
    ],
)
def test_markup_is_stripped_generically(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_script_and_style_blocks_vanish() -> None:
    raw = "<script>var ad = 1;</script>News text.<style>.x{color:red}</style>"
    assert clean_text(raw) == "News text."


def test_markdown_links_and_headings_become_text() -> None:
    raw = "# Heading\n\nSee [the report](https://example.com/r) and ![a chart](c.png)."
    assert clean_text(raw, markdown=True) == "Heading\n\nSee the report and a chart."


def test_footnote_markers_glued_to_text_are_removed() -> None:
    raw = "It is 333 metres tall.[2] It opened in 1958[3][4], and is red.[citation needed] See [5]."
    assert clean_text(raw) == "It is 333 metres tall. It opened in 1958, and is red. See [5]."


def test_every_kind_of_space_but_the_newline_collapses_to_one_space() -> None:
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() and chr(c) != "\n"]
    assert re.fullmatch(f"[{SPACE_CHARS}]+", "".join(spaces))
    assert not any(
        re.fullmatch(f"[{SPACE_CHARS}]", chr(c)) for c in range(0x3001) if not chr(c).isspace()
    )
    raw = "a\u00a0\u00a0b \t c\u2003d  e\x0bf \n  g\u3000 "
    assert clean_text(raw) == "a b c d ef\ng"  # \x0b is a control character: dropped


def test_a_footnote_marker_after_a_space_or_bracket_is_kept() -> None:
    assert clean_text("See [5][6] and x[[7]] but y.[8][9]") == "See [5] and x[[7]] but y."
