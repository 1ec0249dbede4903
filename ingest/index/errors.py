"""Errors whose messages are safe to show a user.

    CitebotError              anything citebot reports to a user as one clear line
    ├── ConfigError           a setting is missing or wrong (what to set, and where)
    ├── StoreError            the index cannot be opened, read or written
    │   ├── StoreUnavailable  the Chroma server does not answer
    │   ├── ModelMismatch     the collection was built with another embedding model
    │   └── IngestLocked      another ingest is writing the same index
    ├── EmbeddingError        the embedding model cannot be loaded or called
    ├── EmptyIndex            nothing has been ingested yet
    └── LLMError              the chat model failed (`bot.answer.llm`; answers fall back to quotes)

Library errors are translated into these once, at the edge that calls the library:

    chromadb, its httpx, sqlite3, OSError  ingest.index.chroma (`library_errors`, `server_read`,
                                           `translate`), on the question path
                                           bot.answer.retrieval (`_reading_store`)
    onnxruntime, tokenizers, OpenAI        ingest.index.embeddings
    openai, httpx2 (the chat model)        bot.answer.llm (`translate_error`)
    pydantic's ValidationError             the entry points (bot.cli.main `user_errors`)

Anything else is a bug and is left to surface with its traceback.
"""

from __future__ import annotations


class CitebotError(Exception):
    """An error with a message meant for the person running citebot."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint or self.hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} {self.hint}".strip() if self.hint else message


class ConfigError(CitebotError):
    """A setting is missing or invalid."""


class StoreError(CitebotError):
    """The index cannot be opened or written."""


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached."""


class ModelMismatch(StoreError):
    """The collection was built with another embedding model."""


class IngestLocked(StoreError):
    """Another ingest holds the index's write lock."""


class EmbeddingError(CitebotError):
    """The embedding model cannot be loaded or called."""


class EmptyIndex(CitebotError):
    """The collection holds no documents."""

    hint = "Run `citebot ingest PATH` first (for the demo: `citebot ingest seeds/`)."
