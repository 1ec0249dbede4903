"""Composition root helpers: build the store, embedder, retriever and answerer from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.answer.answerability import Model, answerability_model
from bot.answer.answering import AnswerConfig, Answerer
from bot.answer.llm import LLMPolicy
from bot.answer.retrieval import build_retriever
from bot.settings import Settings
from ingest.index.embeddings import Embedder, build_embedder
from ingest.index.errors import EmptyIndex, ModelMismatch
from ingest.index.store import Store, open_store

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel


@dataclass
class Citebot:
    """Everything the read side needs, built once per process."""

    settings: Settings
    store: Store
    embedder: Embedder
    answerer: Answerer


def build_citebot(
    settings: Settings,
    *,
    llm: BaseChatModel | None = None,
    http_client: Any = None,
    http_async_client: Any = None,
    require_documents: bool = True,
    model: Model | None = None,
) -> Citebot:
    """Open the index and wire the answering pipeline (LLM mode when a key is set; `model`:
    answerability weights other than the shipped ones)."""
    embedder = build_embedder(settings, http_client=http_client)
    embedder.preload()  # the model loads while the store opens
    store = open_store(settings)
    if store.model_id and store.model_id != embedder.model_id:
        raise ModelMismatch(
            f"Collection {settings.collection!r} holds {store.model_id!r} vectors, but "
            f"CITEBOT_EMBEDDINGS={settings.embeddings} embeds questions with "
            f"{embedder.model_id!r}.",
            hint="Use the setting the collection was built with, or re-ingest into a new "
            "collection.",
        )
    if require_documents and store.count_documents() == 0:
        raise EmptyIndex(f"Collection {settings.collection!r} holds no documents.")
    if llm is None and settings.llm_enabled:
        from bot.answer.llm import build_chat_model

        llm = build_chat_model(
            settings, http_client=http_client, http_async_client=http_async_client
        )
    retriever = build_retriever(settings, store, embedder)
    config = AnswerConfig(
        top_k=settings.top_k,
        min_relevance=settings.min_relevance,
        min_support=settings.min_support,
        max_sentences=settings.max_answer_sentences,
        llm_policy=LLMPolicy.from_settings(settings),
        model=model or answerability_model(settings.min_answerability),
    )
    answerer = Answerer(retriever=retriever, embedder=embedder, llm=llm, config=config)
    return Citebot(settings=settings, store=store, embedder=embedder, answerer=answerer)
