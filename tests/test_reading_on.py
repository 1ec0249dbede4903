""" "Tell me more" reads on in the article after the conversation's last quote."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.answer.answering import Answerer
from bot.answer.conversation import Conversations
from bot.answer.models import Answer, Citation
from bot.answer.reading_on import CHANGED, READ_TO_END, Reading, reading_after
from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import snapshot_hook
from ingest.pipeline import ingest
from tests.conftest import write_article

HONDA = "What is Honda's 2040 target?"
RENAULT = "Nissan is already engaged in a collaboration with Renault"


def test_tell_me_more_quotes_what_the_article_says_next_until_it_ends(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    conversation = Conversations()
    first = answerer.answer(HONDA)
    conversation.add(1, HONDA, first)

    more = answerer.answer("tell me more", reading=conversation.reading(1))
    conversation.add(1, "tell me more", more)
    end = answerer.answer("go on", reading=conversation.reading(1))

    assert "2040 [1]" in first.text
    assert more.text.startswith(RENAULT) and "2040" not in more.text  # nothing repeated
    assert "northern France [1]." in more.text and more.read_on and not more.refused
    assert [c.doc_id for c in more.citations] == ["seed-nissan-honda-ev"]
    assert end.text == READ_TO_END and end.citations == []


def test_it_reads_on_from_the_quote_not_from_how_the_answer_was_worded(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    quoted = answerer.answer(HONDA).citations[0]
    # an LLM's answer paraphrases; its citation quotes the article verbatim
    paraphrase = Answer(HONDA, "Honda aims to sell only EVs by 2040 [1].", False, "llm", [quoted])

    more = answerer.answer("tell me more", reading=reading_after(paraphrase, None))

    assert more.text.startswith(RENAULT)


def test_it_reads_on_in_the_answers_first_source_and_after_a_read_on_in_its_last() -> None:
    first = Citation(1, "a", "a::x::00003", "A", "", "", "The answer. … Its detail.")
    second = Citation(2, "b", "b::y::00000", "B", "", "", "A runner-up.")
    answer = Answer("q", "The answer [1]. A runner-up [2].", False, "extractive", [first, second])
    refusal = Answer("q2", "I couldn't find that.", True, "extractive")

    reading = reading_after(answer, None)
    read = dataclasses.replace(answer, read_on=True)

    assert reading is not None and reading.chunk_id == "a::x::00003"
    assert reading.shown == {"the answer.", "its detail.", "a runner-up."}
    assert reading_after(refusal, reading) is reading  # a refusal keeps the place
    assert reading_after(read, reading).chunk_id == "b::y::00000"  # type: ignore[union-attr]


def test_a_changed_article_or_no_answer_yet_gets_an_honest_reply(
    seeded_settings: Settings,
) -> None:
    answerer = build_citebot(seeded_settings).answerer
    gone = Reading("seed-nissan-honda-ev::0000000000000000::00000", "Nissan and Honda may partner.")

    changed = answerer.answer("tell me more", reading=gone)
    alone = answerer.answer("tell me more")

    assert changed.text == CHANGED and changed.citations == []
    assert alone.text.startswith("I have no answer of mine to read on from here")
    assert not alone.citations


def test_reading_on_keeps_its_place_and_adds_no_topic_turns(seeded_settings: Settings) -> None:
    answerer = build_citebot(seeded_settings).answerer
    conversation = Conversations(max_turns=2)
    question = "Why may Nissan and Honda partner?"
    conversation.add(1, question, answerer.answer(question))
    replies = []
    for _ in range(4):
        replies.append(answerer.answer("more", reading=conversation.reading(1)))
        if replies[-1].read_on:  # as the handlers do: a reply that quotes nothing is not kept
            conversation.add(1, "more", replies[-1])

    # "more" is no question a later follow-up could take its topic from
    assert [asked for asked, _ in conversation.history(1)] == [question]
    assert replies[0].read_on and replies[1].read_on and replies[2].read_on  # past max_turns
    assert all(r.read_on or r.text == READ_TO_END for r in replies)


HARBOUR = [
    f"Report {n:02d}: the harbour board met on day {n} and counted {n * 7} ships in the port."
    for n in range(1, 41)
]
HARBOUR[4] = "Officials said … the harbour would reopen in May after the storm repairs."


@pytest.fixture
def harbour(tmp_path: Path, settings: Settings, embedder: LocalEmbedder) -> Answerer:
    write_article(
        tmp_path / "articles", "harbour.md", " ".join(HARBOUR), id="harbour", title="Harbour"
    )
    ingest(
        [tmp_path / "articles"],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
    )
    return build_citebot(settings).answerer


def _quoting(answerer: Answerer, *parts: str) -> Answer:
    """An answer whose first source quotes `parts` of the harbour article's passage."""
    [passage] = [p for p in answerer.retrieve("harbour board ships") if parts[0] in p.text][:1]
    cited = Citation(1, "harbour", passage.chunk_id, "Harbour", "", "", " … ".join(parts))
    return Answer("q", "x [1].", False, "llm", [cited])


def test_it_reads_on_after_the_best_sentence_and_skips_the_others_it_quoted(
    harbour: Answerer,
) -> None:
    answer = _quoting(harbour, HARBOUR[1], HARBOUR[3])  # two sentences, one between them

    more = harbour.answer("tell me more", reading=reading_after(answer, None))

    assert more.text.startswith(HARBOUR[2].removesuffix("."))  # the one between, not skipped
    assert HARBOUR[3].removesuffix(".") not in more.text  # quoted already


def test_a_quote_that_is_part_of_a_sentence_is_found(harbour: Answerer) -> None:
    answer = _quoting(harbour, "Officials said")  # the article's own " … " split it

    more = harbour.answer("tell me more", reading=reading_after(answer, None))

    assert more.text.startswith(HARBOUR[5].removesuffix("."))


def test_it_walks_on_into_the_articles_next_passages_until_the_end(harbour: Answerer) -> None:
    conversation = Conversations()
    conversation.add(1, "q", _quoting(harbour, HARBOUR[0]))
    said, cited = [], set()
    for _ in range(25):
        reply = harbour.answer("more", reading=conversation.reading(1))
        conversation.add(1, "more", reply)
        said.append(reply.text)
        cited |= {c.chunk_id for c in reply.citations}
        if reply.text == READ_TO_END:
            break

    quoted = " ".join(said)
    assert said[-1] == READ_TO_END
    # every later report is quoted once, in order, across the article's passages
    positions = [quoted.find(s.removesuffix(".")) for s in HARBOUR[1:]]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert len(cited) >= 3  # the article's passages, one after another
