"""Hybrid retrieval on a small hand-made corpus: fusion, dates, diversity, committed-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from bot.answer.fusion import DatePolicy, date_factor, is_time_relative, reciprocal_rank_fusion
from bot.answer.retrieval import HybridRetriever, Query, RetrievalConfig
from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.snapshot import Snapshots, snapshot_hook
from ingest.index.store import Store, open_store
from ingest.pipeline import ingest
from tests.conftest import write_article

COUNCIL = (
    "The Riverton city council voted on the new budget. Members debated road repairs, library "
    "hours and park maintenance for several hours before the final vote. "
)


@pytest.fixture
def corpus(tmp_path: Path, settings: Settings, embedder: LocalEmbedder) -> Store:
    folder = tmp_path / "articles"
    long_story = " ".join(
        f"Paragraph {i}: the Orbiter probe mission kept sending data about Saturn's rings."
        for i in range(60)
    )
    write_article(
        folder,
        "orbiter.md",
        long_story,
        id="orbiter",
        title="Orbiter probe at Saturn",
        published_date="2022-03-01",
    )
    write_article(
        folder,
        "rings.md",
        "Astronomers published new images of Saturn's rings taken by a ground telescope in Chile.",
        id="rings",
        title="Saturn's rings from Chile",
        published_date="2022-03-02",
    )
    write_article(
        folder,
        "council-jan.md",
        COUNCIL + "In January the council approved 12 million.",
        id="council-jan",
        title="Riverton council budget vote",
        published_date="2022-01-03",
    )
    write_article(
        folder,
        "council-jun.md",
        COUNCIL + "In June the council approved 15 million.",
        id="council-jun",
        title="Riverton council budget vote",
        published_date="2022-06-01",
    )
    write_article(
        folder,
        "serial.md",
        "Recall notice: kettles with serial code ZX-4471-Q may "
        "overheat and should be returned to the shop.",
        id="kettle",
        title="Kettle recall",
        published_date="2022-02-01",
    )
    ingest(
        [folder],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
    )
    return open_store(settings)


def _retriever(
    store: Store, settings: Settings, embedder: LocalEmbedder, **config: object
) -> HybridRetriever:
    return HybridRetriever(
        store,
        embedder,
        snapshots=Snapshots(store, settings),
        config=RetrievalConfig(**config),  # type: ignore[arg-type]
    )


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=10)

    assert fused == pytest.approx({"a": 1 / 11, "b": 1 / 12 + 1 / 11, "c": 1 / 12})


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which movie topped the box office this week?", True),
        ("Who recently won the title?", True),
        ("What is the latest variant?", True),
        ("Which company bought Activision Blizzard?", False),
    ],
)
def test_time_relative_questions(question: str, expected: bool) -> None:
    assert is_time_relative(question) is expected


def test_date_factor() -> None:
    policy = DatePolicy(recency_days=14, recency_boost=1.0, future_factor=0.5)
    as_of = dt.date(2022, 6, 10)

    assert date_factor(dt.date(2022, 6, 10), as_of, time_relative=True, policy=policy) == 2.0
    assert date_factor(dt.date(2022, 5, 27), as_of, time_relative=True, policy=policy) == (
        pytest.approx(1 + np.exp(-1))
    )
    assert date_factor(dt.date(2022, 5, 27), as_of, time_relative=False, policy=policy) == 1.0
    assert date_factor(dt.date(2022, 6, 11), as_of, time_relative=False, policy=policy) == 0.5
    assert date_factor(None, as_of, time_relative=True, policy=policy) == 1.0


def test_bm25_side_finds_an_exact_code(
    corpus: Store, settings: Settings, embedder: LocalEmbedder
) -> None:
    hybrid = _retriever(corpus, settings, embedder)

    top = hybrid.retrieve(Query("Which product has serial code ZX-4471-Q?"), 3)

    assert top[0].doc_id == "kettle"


def test_one_article_does_not_crowd_out_the_second_source(
    corpus: Store, settings: Settings, embedder: LocalEmbedder
) -> None:
    crowded = _retriever(corpus, settings, embedder, per_doc=0)
    diverse = _retriever(corpus, settings, embedder, per_doc=2)
    query = Query("What data did the Orbiter probe mission keep sending?")

    assert {p.doc_id for p in crowded.retrieve(query, 4)} == {"orbiter"}
    found = [p.doc_id for p in diverse.retrieve(query, 4)]
    assert found.count("orbiter") == 2 and len(found) == 4


@pytest.mark.parametrize(
    ("as_of", "expected"), [("2022-06-03", "council-jun"), ("2022-01-05", "council-jan")]
)
def test_time_relative_question_prefers_articles_near_the_as_of_date(
    corpus: Store, settings: Settings, embedder: LocalEmbedder, as_of: str, expected: str
) -> None:
    retriever = _retriever(corpus, settings, embedder)

    top = retriever.retrieve(
        Query("What budget did the Riverton council approve this week?", as_of), 2
    )

    assert top[0].doc_id == expected


def test_whats_new_lists_the_articles_published_last_by_the_as_of_date(
    corpus: Store, settings: Settings
) -> None:
    answerer = build_citebot(settings).answerer

    now = answerer.answer("what's new?")
    then = answerer.answer("any news?", as_of="2022-02-15")
    before = answerer.answer("what's new?", as_of="2021-12-31")

    assert [c.doc_id for c in now.citations] == [
        "council-jun",
        "rings",
        "orbiter",
        "kettle",
        "council-jan",
    ]
    assert [c.doc_id for c in then.citations] == ["kettle", "council-jan"]
    assert now.citations[2].quote.startswith("Paragraph 0: the Orbiter probe")  # its opening
    assert before.citations == [] and not before.refused
    assert before.text == "None of the 5 indexed articles was published by 2021-12-31."


def test_following_is_the_next_passage_of_the_same_article(
    corpus: Store, settings: Settings, embedder: LocalEmbedder
) -> None:
    retriever = _retriever(corpus, settings, embedder)
    [opening] = [p for p in retriever.newest(10) if p.doc_id == "orbiter"]

    second = retriever.following(opening)
    passages = [opening]
    while (after := retriever.following(passages[-1])) is not None:
        passages.append(after)

    assert second is not None and second.doc_id == "orbiter" and second.start > opening.start
    assert len(passages) == corpus.records()["orbiter"].n_chunks > 2
    assert "Paragraph 59" in passages[-1].text  # the walk ends at the article's last passage


def test_scores_are_relevance_and_off_topic_questions_are_refused(
    corpus: Store, settings: Settings
) -> None:
    answerer = build_citebot(settings).answerer

    on_topic = answerer.retrieve("How much did the Riverton council approve in June?")
    off_topic = answerer.answer("Which heavy metal band headlined the Wacken festival?")

    assert max(p.score for p in on_topic) > 0.8
    assert all(0.0 <= p.score <= 1.0 for p in on_topic)
    assert off_topic.refused and off_topic.citations == []


def test_uncommitted_chunks_are_never_returned(
    corpus: Store, settings: Settings, embedder: LocalEmbedder
) -> None:
    # a half-written new version of "kettle": its chunk is in Chroma, its record is not updated
    text = "Recall notice: kettles with serial code ZX-4471-Q explode. This text is not committed."
    corpus.chunks.upsert(
        ids=["kettle::ffffffffffffffff::00000"],
        documents=[text],
        metadatas=[{"doc_id": "kettle", "start": 0}],
        embeddings=embedder.embed([text]),
    )
    for mode in ("dense", "hybrid"):
        found = _retriever(corpus, settings, embedder, mode=mode).retrieve(
            Query("Do ZX-4471-Q kettles explode?"), 5
        )
        assert "kettle::ffffffffffffffff::00000" not in {p.chunk_id for p in found}
        assert "kettle" in {p.doc_id for p in found}  # the committed version still is
