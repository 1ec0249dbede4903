"""Server mode: a real Chroma server (the installed chromadb) behind CHROMA_HOST/CHROMA_PORT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import build_citebot
from bot.cli import app, load_settings
from tests.conftest import SEEDS

pytestmark = pytest.mark.server

STARTUP_SECONDS = 60
QUESTION = "What is Honda's 2040 target?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`chroma run` on a free local port with its data in tmp; stopped by PID afterwards."""
    data = tmp_path / "chroma-data"
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _heartbeat(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"chroma run did not come up: {(tmp_path / 'chroma.log').read_text()}")
            time.sleep(0.2)
        yield port, data
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_ingest_and_ask_through_a_chroma_server(
    chroma_server: tuple[int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, data = chroma_server
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(port))
    monkeypatch.setenv("CITEBOT_COLLECTION", "server-seeds")
    # Per-machine caches (the BM25 copy, the ingest lock) live under these, never in $HOME here.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ingest-machine-cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "ingest-machine-run"))
    runner = CliRunner()

    ingested = runner.invoke(app, ["ingest", str(SEEDS), "--json"])
    assert ingested.exit_code == 0, ingested.output
    summary = json.loads(ingested.stdout)
    assert summary["counts"]["added"] == 1 and summary["chunks_written"] > 0

    asked = runner.invoke(app, ["ask", QUESTION, "--json"])
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert not answer["refused"]
    assert "2040" in answer["answer"]
    assert answer["citations"][0]["doc_id"] == "seed-nissan-honda-ev"

    # The data went to the server, not to an embedded store in the working directory.
    assert any(data.iterdir())
    assert not (tmp_path / ".citebot").exists()
    bm25 = tmp_path / "ingest-machine-cache" / "citebot"
    assert any(p.name.startswith(f"bm25-127.0.0.1-{port}-server-seeds") for p in bm25.iterdir())

    # Another bot process on another machine (empty caches) answers from the same server.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "bot-machine-cache"))
    citebot = build_citebot(load_settings())
    other = citebot.answerer.answer(QUESTION)
    assert other.citations and other.citations[0].doc_id == "seed-nissan-honda-ev"

    again = runner.invoke(app, ["ingest", str(SEEDS), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["counts"]["unchanged"] == 1
    assert json.loads(again.stdout)["chunks_written"] == 0


def test_unreachable_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(_free_port()))

    result = CliRunner().invoke(app, ["ask", QUESTION])

    assert result.exit_code != 0
    assert "Chroma server at 127.0.0.1" in result.output
    assert "Traceback" not in result.output
