"""Shared fixtures: a clean environment, the real local embedder, Chroma in temp dirs, a mocked
OpenAI wire."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SECRET_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "DISCORD_TOKEN",
    "CHROMA_HOST",
    "CHROMA_AUTH_TOKEN",
)


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees real keys, a real server or the developer's .env."""
    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("CITEBOT_"):
            monkeypatch.delenv(name, raising=False)
    # pydantic-settings reads .env from the working directory: run each test from an empty one.
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    """The real local ONNX embedder, loaded once per test session."""
    return LocalEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh embedded store in a temp dir."""
    return Settings(store=tmp_path / "store", collection="test-articles")


def write_article(folder: Path, name: str, text: str, **meta: str) -> Path:
    """Write a Markdown article with front matter into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    header = "".join(f"{k}: {json.dumps(v)}\n" for k, v in meta.items())
    path = folder / name
    path.write_text(f"---\n{header}---\n\n{text}\n" if header else f"{text}\n", encoding="utf-8")
    return path


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of the project's seeds/ folder."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, embedder: LocalEmbedder) -> Path:
    """An embedded store with seeds/ ingested once per session (tests must not modify it)."""
    from ingest.index.snapshot import snapshot_hook
    from ingest.pipeline import ingest

    store_dir = tmp_path_factory.mktemp("seeded") / "store"
    settings = Settings(store=store_dir, collection="seeds")
    ingest(
        [SEEDS],
        settings=settings,
        embedder=embedder,
        after_write=snapshot_hook(settings),
    )
    return store_dir


@pytest.fixture
def seeded_settings(seeded_store: Path) -> Settings:
    """Settings for the session's seeded store."""
    return Settings(store=seeded_store, collection="seeds")


Handler = Callable[[httpx2.Request], httpx2.Response]


class OpenAIWire:
    """A fake OpenAI-compatible server behind httpx2.MockTransport: records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.replies: list[str | Handler] = []

    def reply(self, *texts: str | Handler) -> None:
        """Queue canned chat replies (or handlers for custom responses)."""
        self.replies.extend(texts)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        self.requests.append(
            {"url": str(request.url), "headers": dict(request.headers), "json": body}
        )
        if request.url.path.endswith("/embeddings"):
            return httpx2.Response(200, json=embeddings_response(body))
        item = self.replies.pop(0) if self.replies else "I don't know based on these sources."
        if callable(item):
            return item(request)
        if body.get("stream"):
            return _stream_response(item, body.get("model", "test"))
        return httpx2.Response(200, json=chat_completion(item, body.get("model", "test")))

    def client(self) -> httpx2.Client:
        """A sync client for ChatOpenAI(http_client=...)."""
        return httpx2.Client(transport=httpx2.MockTransport(self._handle))

    def async_client(self) -> httpx2.AsyncClient:
        """An async client for ChatOpenAI(http_async_client=...)."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self._handle))


def chat_completion(text: str, model: str) -> dict[str, Any]:
    """A minimal Chat Completions response body."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def embeddings_response(body: dict[str, Any]) -> dict[str, Any]:
    """Deterministic 8-dimensional bag-of-letters vectors, so similar texts score higher."""
    inputs = body.get("input", [])
    inputs = [inputs] if isinstance(inputs, str) else inputs
    data = []
    for i, item in enumerate(inputs):
        # langchain may send token ids instead of text
        text = item if isinstance(item, str) else " ".join(map(str, item))
        vector = [0.0] * 8
        for ch in text.lower():
            if ch.isalpha():
                vector[ord(ch) % 8] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        data.append({"object": "embedding", "index": i, "embedding": [v / norm for v in vector]})
    return {"object": "list", "data": data, "model": body.get("model", "test"), "usage": {}}


def _stream_response(text: str, model: str) -> httpx2.Response:
    words = text.split(" ")
    events = []
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        chunk = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        events.append(f"data: {json.dumps(chunk)}\n\n")
    events.append("data: [DONE]\n\n")
    return httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(events).encode()
    )


@pytest.fixture
def openai_wire() -> Iterator[OpenAIWire]:
    """The mocked OpenAI endpoint."""
    yield OpenAIWire()


@pytest.fixture
def llm_settings(seeded_store: Path) -> Settings:
    """Seeded settings in LLM mode with a fake key and a fake base URL."""
    return Settings(
        store=seeded_store,
        collection="seeds",
        openai_api_key="sk-test-not-a-real-key",
        openai_base_url="http://llm.test/v1",
        openai_model="test-model-1",
        llm_max_retries=0,
    )
