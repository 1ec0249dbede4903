"""Refuse to fetch from addresses inside the machine's own network (an SSRF guard).

A URL in a sources file or on the command line could point at a cloud metadata service, a
database on localhost or a router's admin page. Every connection (so every redirect hop too)
resolves the host through `Resolver` (`system_resolve` unless a test passes its own) and connects
only to an address that passed the check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2
from httpcore2._backends.sync import SyncBackend

from ingest.sources.errors import FetchRefused

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS/GCP/Azure, AWS IPv6, Alibaba): refused even when private URLs
# are allowed, since nothing citebot reads lives there and credentials do.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
ALLOW_HINT = "set CITEBOT_ALLOW_PRIVATE_URLS=true to read from your own network on purpose"


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the seam tests replace)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve host {host!r} ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def classify(address: Address) -> str:
    """Why `address` is off limits ("" when it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return ""


def check_scheme(url: str) -> None:
    """Refuse anything but an http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchRefused(f"only http and https URLs can be fetched, not {parts.scheme!r}")
    if not parts.hostname:
        raise FetchRefused("the URL has no host")
    try:
        _ = parts.port
    except ValueError:
        raise FetchRefused("the URL has an invalid port") from None


def allowed_addresses(
    host: str, port: int, *, resolve: Resolver | None, allow_private: bool
) -> list[str]:
    """The addresses of `host` to connect to; raise `FetchRefused` if any is off limits."""
    host = host.strip("[]")
    try:
        addresses = [host] if _is_ip(host) else (resolve or system_resolve)(host, port)
    except FetchRefused:
        raise
    except OSError as exc:
        raise FetchRefused(f"cannot resolve host {host!r} ({exc})") from None
    if not addresses:
        raise FetchRefused(f"host {host!r} resolves to no address")
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        reason = classify(address)
        if reason == "a cloud metadata address" or (reason and not allow_private):
            hint = "" if reason == "a cloud metadata address" else f"; {ALLOW_HINT}"
            raise FetchRefused(f"{host} resolves to {address}, {reason}: refused{hint}")
    return addresses


class _GuardedBackend(SyncBackend):
    """Connects only to addresses the guard accepted, so a DNS answer that changes between the
    check and the connection (DNS rebinding) gains nothing."""

    def __init__(self, resolve: Resolver | None, allow_private: bool) -> None:
        self._resolve = resolve
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        addresses = allowed_addresses(
            host, port, resolve=self._resolve, allow_private=self._allow_private
        )
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error


class GuardedTransport(httpx2.HTTPTransport):
    """httpx2's transport over a connection pool that connects through the guard (no proxies)."""

    def __init__(self, resolve: Resolver | None, *, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(),
            max_connections=64,
            network_backend=_GuardedBackend(resolve, allow_private),
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
