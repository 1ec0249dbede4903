"""Write embedded batches to the store on a background thread (ingest's writer)."""

from __future__ import annotations

import logging
import queue
import threading
import time

from ingest.index.errors import CitebotError, StoreError
from ingest.index.store import DocRecord, Store, WriteItem

log = logging.getLogger(__name__)

WriteItems = list[WriteItem]


class BatchWriter:
    """Write embedded batches to the store on a background thread while the next batch embeds.

    Batches are written in order, each with `Store.write_documents` (chunks, then the records
    that commit them, then the old versions' chunks), so the per-document commit protocol is
    the same as writing inline. The queue is short: embedding never runs far ahead of the store,
    and an error in the writer stops the ingest at the next batch.
    """

    def __init__(
        self, store: Store, previous: dict[str, DocRecord], *, where: str = "", depth: int = 2
    ):
        self._store = store
        self._where = where
        self._previous = previous
        self._queue: queue.Queue[WriteItems | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self.busy_seconds = 0.0
        self._thread = threading.Thread(target=self._loop, name="citebot-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (items := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so `put` never blocks on a dead writer
            started = time.perf_counter()
            try:
                self._store.write_documents(items, self._previous)
            except CitebotError as exc:
                self._error = exc
            except Exception as exc:
                log.warning("writing to the index failed", exc_info=True)
                error = StoreError(
                    f"Writing to {self._where or 'the index'} failed ({type(exc).__name__}).",
                    hint="Documents committed before the failure are kept: fix the store (is the "
                    "Chroma server up?) and run the same ingest again to finish.",
                )
                error.__cause__ = exc
                self._error = error
            except BaseException as exc:
                self._error = exc
            self.busy_seconds += time.perf_counter() - started

    def put(self, items: WriteItems) -> None:
        """Queue a batch (waits while the queue is full); raise the writer's error if it failed."""
        self._raise_error()
        self._queue.put(items)

    def close(self, *, raise_error: bool = True) -> None:
        """Wait for every queued batch to be written."""
        self._queue.put(None)
        self._thread.join()
        if raise_error:
            self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error
