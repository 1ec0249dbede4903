"""What a user sees when web sources misbehave: every failure is a skip with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from ingest.sources import guard
from tests.web_support import Route, Site, serve

runner = CliRunner()


@pytest.fixture
def site() -> Iterator[Site]:
    for running in serve():
        running.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        running.html("/ok.html", "Fine page", "The pier reopened after a winter of repairs.")
        running.routes["/missing.html"] = Route(b"gone", "text/plain", 404)
        running.routes["/broken.html"] = Route(b"oops", "text/plain", 500)
        running.routes["/slow.html"] = Route(b"<p>late</p>", delay=2.0)
        running.routes["/huge.html"] = Route(b"<p>" + b"x" * 200_000 + b"</p>")
        running.routes["/loop-a"] = Route(status=302, headers={"Location": "/loop-b"})
        running.routes["/loop-b"] = Route(status=302, headers={"Location": "/loop-a"})
        running.routes["/private/secret.html"] = Route(b"<p>secret</p>")
        running.routes["/logo.png"] = Route(b"\x89PNG", "image/png")
        yield running


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("CITEBOT_FETCH_RATE", "0")
    monkeypatch.setenv("CITEBOT_FETCH_TIMEOUT", "0.5")
    monkeypatch.setenv("CITEBOT_FETCH_RETRIES", "1")
    monkeypatch.setenv("CITEBOT_MAX_FILE_MB", "0.1")


def test_each_failing_url_is_skipped_with_its_reason(site: Site, env: None) -> None:
    paths = ["/ok.html", "/missing.html", "/broken.html", "/slow.html", "/huge.html",
             "/loop-a", "/private/secret.html", "/logo.png"]  # fmt: skip
    result = runner.invoke(app, ["ingest", *[site.url(p) for p in paths]])
    assert result.exit_code == 3, result.output
    assert "1 added" in result.stdout
    reasons = {
        "/missing.html": "HTTP 404 Not Found",
        "/broken.html": "HTTP 500 Internal Server Error",
        "/slow.html": "timed out after 0.5s (CITEBOT_FETCH_TIMEOUT)",
        "/huge.html": "larger than the 0.1 MB limit (CITEBOT_MAX_FILE_MB)",
        "/loop-a": "redirect loop",
        "/private/secret.html": "robots.txt of 127.0.0.1",
        "/logo.png": "content type image/png is not an article, feed, sitemap, PDF or DOCX",
    }
    for path, reason in reasons.items():
        line = next(line for line in result.stderr.splitlines() if site.url(path) in line)
        assert reason in line, line
    assert "7 skipped" in result.stderr
    assert site.statuses("/broken.html") == [500, 500]  # one retry, then the reason
    assert not site.requests_to("/private/secret.html")  # robots.txt said no: never requested


def test_private_addresses_are_refused_unless_allowed(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_STORE", str(tmp_path / "store"))
    monkeypatch.setattr(guard, "system_resolve", lambda host, port: ["10.1.2.3"])
    result = runner.invoke(
        app, ["ingest", "http://intranet.example/wiki.html", site.url("/ok.html")]
    )
    assert result.exit_code == 3
    assert (
        "intranet.example resolves to 10.1.2.3, a private address: refused; set "
        "CITEBOT_ALLOW_PRIVATE_URLS=true" in result.stderr
    )
    assert "127.0.0.1 resolves to 127.0.0.1, a loopback address: refused" in result.stderr
    assert not site.hits  # nothing was sent to the loopback site either

    monkeypatch.setattr(guard, "system_resolve", lambda host, port: ["169.254.169.254"])
    monkeypatch.setenv("CITEBOT_ALLOW_PRIVATE_URLS", "true")
    metadata = runner.invoke(app, ["ingest", "--json", "http://metadata.example/latest/"])
    (skipped,) = json.loads(metadata.stdout)["skipped"]
    assert (
        skipped["reason"]
        == "metadata.example resolves to 169.254.169.254, a cloud metadata address: refused"
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.8", "a private address"),
        ("192.168.1.1", "a private address"),
        ("100.64.0.1", "a private address"),  # carrier-grade NAT
        ("169.254.10.10", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("::ffff:10.0.0.1", "a private address"),  # IPv4-mapped IPv6
        ("169.254.169.254", "a cloud metadata address"),
        ("0.0.0.0", "a reserved address"),
        ("93.184.215.14", ""),
        ("2606:4700::1111", ""),
    ],
)
def test_the_guard_classifies_addresses(address: str, reason: str) -> None:
    import ipaddress

    assert guard.classify(ipaddress.ip_address(address)) == reason


def test_a_robots_txt_server_error_means_fetch_nothing(site: Site, env: None) -> None:
    site.routes["/robots.txt"] = Route(b"", status=503)
    result = runner.invoke(app, ["ingest", site.url("/ok.html")])
    assert result.exit_code == 3
    assert "robots.txt of 127.0.0.1" in result.stderr and "answered HTTP 503" in result.stderr
    assert not site.requests_to("/ok.html")


def test_a_redirect_to_another_scheme_is_refused(site: Site, env: None) -> None:
    site.routes["/to-file"] = Route(status=301, headers={"Location": "file:///etc/passwd"})
    result = runner.invoke(app, ["ingest", site.url("/to-file")])
    assert result.exit_code == 3
    assert "only http and https URLs can be fetched, not 'file'" in result.stderr
