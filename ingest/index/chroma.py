"""Chroma clients for the index: embedded or server, with errors translated for users.

This module is the index layer's edge with chromadb: what chromadb (and the HTTP client it uses
for a server) raises is translated here, once, into the errors of `ingest.index.errors`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

from ingest.index.errors import StoreError, StoreUnavailable
from ingest.index.settings import IngestSettings

DOCS_SUFFIX = "-docs"
PAGE = 5000
T = TypeVar("T")
P = ParamSpec("P")


@functools.cache
def library_errors() -> tuple[type[Exception], ...]:
    """What a failed Chroma call raises: chromadb's errors, its HTTP client's, the OS's."""
    import chromadb.errors
    import httpx

    return (chromadb.errors.ChromaError, httpx.HTTPError, sqlite3.Error, OSError)


def _connect_errors() -> tuple[type[Exception], ...]:
    """Opening a client also raises ValueError (chromadb's "could not connect")."""
    return (*library_errors(), ValueError)


def reopen_errors() -> tuple[type[Exception], ...]:
    """What reopening an embedded store raises: a library error, or its translation."""
    return (*library_errors(), StoreError)


def pages(
    collection: Any, include: list[str], *, ids: Sequence[str] | None = None, size: int = PAGE
) -> Iterator[dict[str, Any]]:
    """Read a collection page by page: the given ids in batches, or every entry."""
    if ids is not None:
        for start in range(0, len(ids), size):
            yield collection.get(ids=list(ids[start : start + size]), include=include)
        return
    offset = 0
    while True:
        got = collection.get(include=include, limit=size, offset=offset)
        yield got
        if len(got["ids"]) < size:
            return
        offset += len(got["ids"])


def make_client(settings: IngestSettings) -> Any:
    """Open the embedded store or connect to the Chroma server the settings name."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        headers = {}
        if settings.chroma_auth_token is not None:
            headers["Authorization"] = f"Bearer {settings.chroma_auth_token.get_secret_value()}"
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=headers,
                settings=chroma_settings,
            )
        except _connect_errors() as exc:
            raise StoreUnavailable(
                f"Cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                f" ({type(exc).__name__}).",
                hint="Start it (`chroma run --path DIR --port PORT`) or unset CHROMA_HOST to use"
                " the embedded store.",
            ) from None
    settings.store.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.store), settings=chroma_settings)
    except _connect_errors() as exc:
        raise StoreError(
            f"Cannot open the index at {settings.store} ({type(exc).__name__}: {exc}).",
            hint="Check the folder's permissions or point CITEBOT_STORE elsewhere.",
        ) from None


def server_read(method: Callable[P, T]) -> Callable[P, T]:
    """Turn a failed read from a Chroma server into `StoreUnavailable` (a message users see)."""

    @functools.wraps(method)
    def read(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except library_errors() as exc:
            server = getattr(args[0], "server", "")
            if not server:
                raise
            raise StoreUnavailable(
                f"The Chroma server at {server} could not be read ({type(exc).__name__}).",
                hint="Check that it is running; try again in a moment.",
            ) from exc

    return read


def reopen_embedded(settings: IngestSettings, name: str) -> tuple[Any, Any, Any]:
    """A new embedded client for the store, with the vector index read afresh from disk."""
    from chromadb.api.shared_system_client import SharedSystemClient

    # Chroma shares one system per path in a process; drop ours from the registry so the next
    # client loads the files again. Handles still using the old one keep working until dropped.
    identifier = str(settings.store)
    SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    client = make_client(settings)
    return client, client.get_collection(name), client.get_collection(name + DOCS_SUFFIX)


def is_not_found(exc: Exception) -> bool:
    return type(exc).__name__ in {"NotFoundError", "InvalidCollectionException"} or (
        "does not exist" in str(exc)
    )


def translate(exc: Exception, settings: IngestSettings) -> StoreError:
    if settings.chroma_host:
        return StoreUnavailable(
            f"The Chroma server at {settings.chroma_host}:{settings.chroma_port} failed "
            f"({type(exc).__name__}).",
            hint="Check that it is running and reachable.",
        )
    return StoreError(
        f"The index at {settings.store} cannot be used ({type(exc).__name__}: {exc})."
    )
