"""Load URLs on a background thread and hand their documents over as they arrive.

Fetching is mostly waiting (on the network and on the per-host rate limit) while embedding is
mostly computing, so ingest embeds the first pages while the rest are still being fetched: an
ingest over HTTP then takes about as long as the same pages from disk.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Mapping, Sequence

import httpx2

from ingest.index.models import Document, LoadResult
from ingest.index.settings import IngestSettings
from ingest.sources.crawl import WebLoader, WebOptions
from ingest.sources.fetch import Fetcher, FetchPolicy
from ingest.sources.guard import Resolver
from ingest.sources.validators import ValidatorCache


class WebStream:
    """`start()`, then iterate `batches()`; afterwards `result` and `cache` hold the rest."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        settings: IngestSettings,
        known: set[str],
        options: Mapping[str, WebOptions] | None = None,
        resolve: Resolver | None = None,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        from ingest.sources.load import fetch_policy, validators_path

        self._urls = list(urls)
        self._options = dict(options or {})
        self._default = WebOptions(max_pages=settings.max_pages)
        self.policy: FetchPolicy = fetch_policy(settings)
        self.cache = ValidatorCache.load(validators_path(settings))
        self._fetcher = Fetcher(self.policy, resolve=resolve, transport=transport)
        self._queue: queue.Queue[Document | None] = queue.Queue()
        self._loader = WebLoader(self._fetcher, self.cache, known, on_document=self._queue.put)
        self._error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="citebot-web", daemon=True)

    @property
    def result(self) -> LoadResult:
        """Everything loaded (documents, skips, 304s): complete once `batches()` is exhausted."""
        return self._loader.result

    def start(self) -> WebStream:
        """Start fetching."""
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Stop after the requests in flight (an interrupt or an error in the consumer)."""
        self._loader.cancelled.set()

    def batches(self, size: int) -> Iterator[list[Document]]:
        """Documents in batches of whatever has arrived (1 to `size`), until all are loaded."""
        done = False
        while not done:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < size:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                batch.append(item)
            yield batch
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            for url in self._urls:
                if self._loader.cancelled.is_set():
                    break
                self._loader.load(url, self._options.get(url, self._default))
        except BaseException as exc:  # surfaces in the consumer's thread
            self._error = exc
        finally:
            self._fetcher.close()
            self.seconds = time.perf_counter() - started
            self._queue.put(None)
