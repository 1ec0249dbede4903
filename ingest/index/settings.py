"""Settings shared by every entry point, read from the environment and `.env`.

Nothing here runs at import time: entry points call `IngestSettings()` (or the bot's subclass)
once in their composition root and pass the object down.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Chroma's rule (3-512 characters), kept short because `-docs` is appended for the records.
_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,58}[A-Za-z0-9]")


def env(name: str) -> AliasChoices:
    """Accept the environment variable `name` (any case) as well as the field name."""
    return AliasChoices(name, name.lower())


def defaults(model: type[BaseSettings]) -> dict[str, Any]:
    """Every field's default: configs take theirs from here, so each default is written once."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
    }


def blank_is_none(value: object) -> object:
    """An empty or all-blank string setting means "not set"."""
    return None if isinstance(value, str) and not value.strip() else value


class IngestSettings(BaseSettings):
    """Where the index lives, how text becomes chunks and which model embeds them."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    openai_api_key: SecretStr | None = Field(None, validation_alias=env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=env("OPENAI_BASE_URL"))
    openai_embedding_model: str = Field(
        "text-embedding-3-small", validation_alias=env("OPENAI_EMBEDDING_MODEL")
    )
    embeddings: Literal["local", "openai"] = Field(
        "local", validation_alias=env("CITEBOT_EMBEDDINGS")
    )
    embed_threads: int = Field(0, ge=0, validation_alias=env("CITEBOT_EMBED_THREADS"))

    store: Path = Field(Path(".citebot/store"), validation_alias=env("CITEBOT_STORE"))
    collection: str = Field("citebot", validation_alias=env("CITEBOT_COLLECTION"))
    chroma_host: str | None = Field(None, validation_alias=env("CHROMA_HOST"))
    chroma_port: int = Field(8000, validation_alias=env("CHROMA_PORT"))
    chroma_ssl: bool = Field(False, validation_alias=env("CHROMA_SSL"))
    chroma_auth_token: SecretStr | None = Field(None, validation_alias=env("CHROMA_AUTH_TOKEN"))

    chunk_size: int = Field(1000, ge=100, le=20_000, validation_alias=env("CITEBOT_CHUNK_SIZE"))
    chunk_overlap: int = Field(150, ge=0, validation_alias=env("CITEBOT_CHUNK_OVERLAP"))
    max_file_mb: float = Field(20.0, gt=0, validation_alias=env("CITEBOT_MAX_FILE_MB"))

    # Fetching URLs, feeds and sitemaps (ingest.sources).
    allow_private_urls: bool = Field(False, validation_alias=env("CITEBOT_ALLOW_PRIVATE_URLS"))
    fetch_timeout: float = Field(20.0, gt=0, le=600, validation_alias=env("CITEBOT_FETCH_TIMEOUT"))
    fetch_retries: int = Field(2, ge=0, le=10, validation_alias=env("CITEBOT_FETCH_RETRIES"))
    fetch_concurrency: int = Field(
        4, ge=1, le=32, validation_alias=env("CITEBOT_FETCH_CONCURRENCY")
    )
    fetch_rate: float = Field(10.0, ge=0, validation_alias=env("CITEBOT_FETCH_RATE"))
    max_redirects: int = Field(5, ge=0, le=20, validation_alias=env("CITEBOT_MAX_REDIRECTS"))
    max_pages: int = Field(500, ge=1, validation_alias=env("CITEBOT_MAX_PAGES"))

    @field_validator("collection")
    @classmethod
    def _chroma_collection_name(cls, value: str) -> str:
        if not _COLLECTION_NAME.fullmatch(value):
            raise ValueError(
                "use 3-60 letters, digits, '.', '_' or '-', starting and ending with a letter or "
                "digit"
            )
        return value

    _blank_is_none = field_validator(
        "openai_api_key", "chroma_auth_token", "chroma_host", "openai_base_url", mode="before"
    )(blank_is_none)

    @property
    def uses_server(self) -> bool:
        """True when a Chroma server, not the embedded store, holds the index."""
        return self.chroma_host is not None

    @property
    def where(self) -> str:
        """Say where the index lives, for messages and logs."""
        if self.chroma_host:
            return f"Chroma server {self.chroma_host}:{self.chroma_port}"
        return f"{self.store}"
