"""CITEBOT_EMBEDDINGS=openai: ingest and ask through the mocked OpenAI embeddings endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import build_embedder
from ingest.index.errors import ConfigError, ModelMismatch
from ingest.index.store import open_store
from ingest.pipeline import ingest
from tests.conftest import SEEDS, OpenAIWire


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(
        store=tmp_path / "store",
        collection="openai-test",
        embeddings="openai",
        openai_api_key="sk-test-embeddings",
        openai_base_url="http://llm.test/v1",
        openai_embedding_model="text-embedding-3-small",
        min_relevance=0.0,
        **kw,
    )


def test_ingest_and_ask_with_openai_embeddings(tmp_path: Path, openai_wire: OpenAIWire) -> None:
    settings = _settings(tmp_path)
    embedder = build_embedder(settings, http_client=openai_wire.client())
    summary = ingest([SEEDS], settings=settings, embedder=embedder)

    assert summary.added == ["seed-nissan-honda-ev"]
    sent = openai_wire.requests[0]
    assert sent["url"] == "http://llm.test/v1/embeddings"
    assert sent["json"]["model"] == "text-embedding-3-small"
    assert open_store(settings).model_id == "openai:text-embedding-3-small"

    openai_wire.reply("Honda targets 100 percent electric and fuel cell vehicle sales by 2040 [1].")
    citebot = build_citebot(settings, http_client=openai_wire.client())
    answer = citebot.answerer.answer("What is Honda's 2040 target?")
    assert not answer.refused and answer.citations[0].doc_id == "seed-nissan-honda-ev"


def test_openai_embeddings_need_a_key(tmp_path: Path) -> None:
    settings = Settings(store=tmp_path / "s", embeddings="openai")
    with pytest.raises(ConfigError, match="needs OPENAI_API_KEY"):
        build_embedder(settings)


def test_asking_with_the_other_model_is_refused(tmp_path: Path, openai_wire: OpenAIWire) -> None:
    settings = _settings(tmp_path)
    ingest(
        [SEEDS],
        settings=settings,
        embedder=build_embedder(settings, http_client=openai_wire.client()),
    )
    local = Settings(store=tmp_path / "store", collection="openai-test")
    with pytest.raises(ModelMismatch, match="openai:text-embedding-3-small"):
        build_citebot(local)
