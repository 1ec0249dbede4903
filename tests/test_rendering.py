"""Answers rendered for Discord: within every limit, citations intact, nobody pinged."""

from __future__ import annotations

import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer.models import Answer, Citation
from bot.discord_app.rendering import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_LIMIT,
    neutralise,
    render_answer,
    render_partial,
    split_text,
)

LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
CITATION = re.compile(r"\[\d{1,3}\]")

FRAGMENT = "#:~:text=Quoted%20sentence%20number%201."  # the link opens the article at the quote


def citation(n: int, **changes: str) -> Citation:
    fields = {
        "doc_id": f"doc-{n}",
        "chunk_id": f"doc-{n}::abc::00000",
        "title": f"Article {n}",
        "url": f"https://news.example/{n}",
        "published_date": "2024-03-1" + str(n % 10),
        "quote": f"Quoted sentence number {n}.",
    }
    fields.update(changes)
    return Citation(n=n, **fields)  # type: ignore[arg-type]


def answer(text: str, citations: list[Citation], **changes: object) -> Answer:
    base = Answer(question="q?", text=text, refused=False, mode="extractive", citations=citations)
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def assert_within_limits(messages: list[discord.Embed] | list[object]) -> None:
    for out in messages:
        content, embeds = out.content, out.embeds  # type: ignore[attr-defined]
        assert len(content) <= MESSAGE_LIMIT
        assert content or embeds
        assert len(embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in embeds) <= EMBED_TOTAL_LIMIT
        for embed in embeds:
            data = embed.to_dict()
            assert len(data.get("title", "")) <= 256
            assert len(data.get("description", "")) <= EMBED_DESCRIPTION_LIMIT
            assert len(data.get("fields", [])) <= 25
            assert len(data.get("footer", {}).get("text", "")) <= 2048


def test_seed_style_answer_is_one_message_with_a_sources_embed() -> None:
    rendered = render_answer(
        answer(
            "Honda targets 100 percent electric sales by 2040 [1].",
            [citation(1)],
            searched=612,
            as_of="2024-03-20",
        )
    )

    [message] = rendered
    assert message.content == "Honda targets 100 percent electric sales by 2040 [1]."
    data = message.embeds[0].to_dict()
    assert data["title"] == "Sources"
    assert data["description"] == (
        f"**[1]** [Article 1](https://news.example/1{FRAGMENT}) · 2024-03-11\n"
        "> Quoted sentence number 1."
    )
    assert (
        data["footer"]["text"]
        == "Quoted from the articles · 612 articles searched · as of 2024-03-20"
    )


def test_refusal_says_how_many_articles_were_searched() -> None:
    refusal = Answer(question="q", text="x", refused=True, mode="extractive", searched=612)

    [message] = render_answer(refusal)

    assert message.content.startswith("I couldn't find that in the 612 indexed articles.")
    assert message.embeds == []


def test_an_on_topic_refusal_links_the_closest_article_without_quoting_it() -> None:
    closest = citation(3, title="Honda *targets* 2040", quote="")
    refusal = Answer("q", "x", refused=True, mode="extractive", searched=612, nearest=closest)

    [message] = render_answer(refusal)

    assert message.content.startswith(
        "I couldn't find that in the 612 indexed articles. The closest article is "
        "**Honda \\*targets\\* 2040** (2024-03-13) <https://news.example/3>."
    )
    assert message.embeds == []


def test_a_source_backing_two_claims_shows_the_evidence_for_both() -> None:
    long = "The national average " + "rose again " * 35 + "on Saturday."  # ~400 characters
    both = citation(1, quote=f"{long} … Diesel reached $6 a gallon.")

    [message] = render_answer(answer("A [1]. B [1].", [both]))

    assert "Diesel reached $6 a gallon" in (message.embeds[0].description or "")


def test_fallback_notice_is_shown_with_the_answer() -> None:
    fallback = answer("A [1].", [citation(1)], fallback=True, notice="The model is unavailable.")

    [message] = render_answer(fallback)

    assert "*The model is unavailable.*" in message.content
    assert message.embeds[0].footer.text is not None
    assert message.embeds[0].footer.text.startswith("Fallback")


def test_compact_sources_without_embeds_suppress_link_previews() -> None:
    [message] = render_answer(answer("A [1].", [citation(1)]), use_embeds=False)

    assert message.embeds == []
    assert (
        f"**Sources**\n**[1]** Article 1 <https://news.example/1{FRAGMENT}> · 2024-03-11"
        in message.content
    )


def test_titles_cannot_break_out_of_their_link() -> None:
    tricky = citation(1, title="See [this](https://evil.example) now", url="https://ok.example/a)b")

    [message] = render_answer(answer("A [1].", [tricky]))

    description = message.embeds[0].description or ""
    assert "](https://evil.example)" not in description
    assert f"(https://ok.example/a%29b{FRAGMENT})" in description


def test_many_long_sources_spread_over_embeds_and_messages() -> None:
    cites = [citation(n, title="T" * 300, quote="word " * 200) for n in range(1, 21)]
    text = " ".join(f"Claim {n} [{n}]." for n in range(1, 21))

    rendered = render_answer(answer(text, cites))

    assert_within_limits(rendered)
    shown = "".join(e.description or "" for m in rendered for e in m.embeds)
    assert [int(n) for n in re.findall(r"\*\*\[(\d+)\]\*\*", shown)] == list(range(1, 21))


def test_mentions_in_answer_titles_and_quotes_are_neutralised() -> None:
    hostile = citation(1, title="@everyone <@123456789012345678>", quote="ping @here <@&987654321>")

    for use_embeds in (True, False):
        rendered = render_answer(answer("Hi @everyone [1].", [hostile]), use_embeds=use_embeds)
        for message in rendered:
            assert not LIVE_MENTION.search(message.content)
            for embed in message.embeds:
                assert not LIVE_MENTION.search(str(embed.to_dict()))


def test_long_code_block_is_closed_and_reopened() -> None:
    code = "```python\n" + "\n".join(f"print({i})" for i in range(400)) + "\n```"

    parts = split_text(f"Intro.\n\n{code}\n\nOutro.")

    assert len(parts) > 1
    for part in parts:
        assert len(part) <= MESSAGE_LIMIT
        assert part.count("```") % 2 == 0
    assert sum(p.count("print(") for p in parts) == 400


def test_streaming_preview_fits_one_message() -> None:
    preview = render_partial("word " * 1000 + "@everyone")

    assert len(preview) <= MESSAGE_LIMIT and preview.endswith("…")
    assert not LIVE_MENTION.search(render_partial("hey @everyone"))


# -- properties -------------------------------------------------------------------------------

TOKENS = [*"abcdefghij .,!?\n@<>&[]0123456789`", "everyone", "here", "```", "\n\n", " [7]"]
prose = st.lists(st.sampled_from(TOKENS), max_size=3000).map("".join)
cited_sentences = st.lists(
    st.tuples(st.text(alphabet="abcdefgh xyz", min_size=0, max_size=400), st.integers(1, 25)),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(prose, st.integers(min_value=50, max_value=MESSAGE_LIMIT))
def test_split_never_exceeds_the_limit_or_loses_text(text: str, limit: int) -> None:
    parts = split_text(text, limit)

    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(cited_sentences, st.integers(min_value=60, max_value=MESSAGE_LIMIT))
def test_split_keeps_every_citation_whole_and_in_order(
    sentences: list[tuple[str, int]], limit: int
) -> None:
    text = " ".join(f"{words} [{n}]." for words, n in sentences)

    parts = split_text(text, limit)

    assert [c for p in parts for c in CITATION.findall(p)] == CITATION.findall(text)
    for p in parts:  # a marker never starts a message: it stays with the claim it supports
        assert not re.match(r"\s*\[\d+\]", p) or p == parts[0]


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=5000),
    st.lists(st.tuples(st.text(max_size=400), st.text(max_size=900)), min_size=1, max_size=20),
    st.booleans(),
)
def test_any_answer_renders_within_limits_with_no_live_mentions(
    text: str, sources: list[tuple[str, str]], use_embeds: bool
) -> None:
    cites = [citation(n, title=t, quote=q) for n, (t, q) in enumerate(sources, start=1)]
    rendered = render_answer(answer(text, cites), use_embeds=use_embeds)

    assert_within_limits(rendered)
    for message in rendered:
        assert not LIVE_MENTION.search(message.content)
        for embed in message.embeds:
            assert not LIVE_MENTION.search(str(embed.to_dict()))


@given(st.text())
def test_neutralise_leaves_no_live_mention(text: str) -> None:
    assert not LIVE_MENTION.search(neutralise(text))


def test_quoted_article_text_is_not_turned_into_formatting() -> None:
    (message,) = render_answer(answer("Sales rose *sharply* in __Q3__ [1].", [citation(1)]))
    assert message.content.startswith(r"Sales rose \*sharply\* in \_\_Q3\_\_ [1].")


def test_model_answers_keep_their_formatting() -> None:
    (message,) = render_answer(answer("Sales rose **sharply** [1].", [citation(1)], mode="llm"))
    assert message.content.startswith("Sales rose **sharply** [1].")


def test_a_web_or_pdf_source_shows_its_link_date_and_page() -> None:
    from bot.answer.models import Citation
    from bot.discord_app.rendering import source_entry

    citation = Citation(
        n=1,
        doc_id="https://example.org/report.pdf",
        chunk_id="c",
        title="Transport report",
        url="https://example.org/report.pdf",
        published_date="2026-11-20",
        quote="The ferry carried 1.9 million passengers.",
        page=3,
    )
    compact = source_entry(citation, embed=False)
    # a PDF viewer ignores text fragments but opens the quote's page
    assert compact.startswith("**[1]** Transport report <https://example.org/report.pdf#page=3>")
    assert "· 2026-11-20 · p. 3" in compact
    assert (
        "[Transport report](https://example.org/report.pdf#page=3) · 2026-11-20 · p. 3"
        in source_entry(citation, embed=True)
    )
