"""Ingesting 100 HTML pages over HTTP (a sitemap on 127.0.0.1) against the same pages on disk."""

from __future__ import annotations

import functools
import json
import random
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.common import WORK, Context, Finished, Result, bench_env, run_citebot

TITLE = "8. Web ingest (100 HTML pages: sitemap over HTTP vs the same files on disk)"
PAGES = 100
_VOCABULARY = """harbour council ferry budget station district report approved minister railway
bridge library museum rose fell percent million annual market energy grid water school hospital
vote election court river tunnel airport passengers visitors record opened closed plan"""
_WORDS = _VOCABULARY.split()


def write_site(folder: Path, *, pages: int = PAGES, seed: int = 7) -> list[str]:
    """Write `pages` article pages (about 3,000 characters each) into `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(pages):
        paragraphs = [
            " ".join(
                (" ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 18))) + ".").capitalize()
                for _ in range(5)
            )
            for _ in range(5)
        ]
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        name = f"article-{n:03d}.html"
        (folder / name).write_text(
            f"<!doctype html><html><head><title>Article {n}</title>"
            f'<meta name="date" content="2026-11-{n % 28 + 1:02d}"></head><body>'
            f"<nav>Home News</nav><article><h1>Article {n}</h1>{body}</article>"
            "<footer>Example newsroom</footer></body></html>",
            encoding="utf-8",
        )
        names.append(name)
    return names


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (quietly); yield the base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _ingest(
    target: str, store: Path, *extra: str, fresh: bool = True, rate: str = ""
) -> tuple[dict[str, Any], Finished]:
    if fresh:
        shutil.rmtree(store, ignore_errors=True)
    environment = {**bench_env(store, "bench-web"), "CITEBOT_ALLOW_PRIVATE_URLS": "true"}
    if rate:
        environment["CITEBOT_FETCH_RATE"] = rate
    done = run_citebot(["ingest", target, "--json", *extra], env=environment)
    return json.loads(done.stdout), done


def run(ctx: Context) -> Result:
    """Disk first, then HTTP with the default politeness settings, then an unchanged re-run."""
    result = Result("web", TITLE)
    site = WORK / "web-site" / "pages"
    shutil.rmtree(site.parent, ignore_errors=True)
    names = write_site(site)
    disk, on_disk = _ingest(str(site), WORK / "web-disk-store")
    (site.parent / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    with serve(site.parent) as base:
        urls = "".join(f"<url><loc>{base}/pages/{n}</loc></url>" for n in names)
        (site.parent / "sitemap.xml").write_text(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>",
            encoding="utf-8",
        )
        sitemap = f"{base}/sitemap.xml"
        http, over_http = _ingest(sitemap, WORK / "web-http-store")
        again, rerun = _ingest(sitemap, WORK / "web-http-store", fresh=False)
        unlimited, _ = _ingest(sitemap, WORK / "web-dry-store", "--dry-run", rate="0")
    result.add(
        "pages ingested from disk / over HTTP", f"{len(disk['added'])} / {len(http['added'])}"
    )
    result.add("disk: whole command", on_disk.seconds, "s")
    result.add("HTTP (sitemap, default limits): whole command", over_http.seconds, "s")
    result.add("  of which loading (fetch + extract)", http["timings"]["load"], "s")
    result.add("  disk loading (read + extract)", disk["timings"]["load"], "s")
    result.add("  HTTP loading without the rate limit (dry run)", unlimited["timings"]["load"], "s")
    result.add(
        "HTTP / disk (whole command, wall)", over_http.seconds / on_disk.seconds, "x", at_most=1.2
    )
    result.add(
        "HTTP / disk (command CPU time, robust to load)",
        over_http.cpu_seconds / on_disk.cpu_seconds,
        "x",
        at_most=1.2,
    )
    result.add(
        "  embed stage, disk / HTTP",
        f"{disk['timings']['embed']:.1f} s / {http['timings']['embed']:.1f} s",
    )
    result.add("HTTP re-run, nothing changed: whole command", rerun.seconds, "s")
    result.add("chunks re-embedded on the re-run", again["chunks_written"], at_most=0)
    result.notes.append(
        "Default politeness: 4 requests at a time and 10 per second per host "
        "(CITEBOT_FETCH_CONCURRENCY, CITEBOT_FETCH_RATE), so 102 requests take at least 10 s; "
        "the dry-run row shows the fetching itself with CITEBOT_FETCH_RATE=0. Pages are embedded "
        "while the rest are fetched, so the wall time is about max(fetch, embed). The re-run's "
        "304s answer the Last-Modified validators Python's http.server sends."
    )
    return result
