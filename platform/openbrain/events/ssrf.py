"""Webhook target checks: in AWS only public ``https`` endpoints (no SSRF into the VPC, the
instance metadata service or localhost); anything goes in local mode."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from openbrain.domain.errors import InvalidError

Resolver = Callable[[str], list[str]]


class UnsafeTargetError(InvalidError):
    """The target URL is not allowed (scheme, or an address that is not public)."""


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTargetError(f"webhook host {host!r} does not resolve") from exc
    return sorted({str(info[4][0]) for info in infos})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for private, loopback, link-local (169.254.0.0/16, the metadata
    # service), shared (100.64/10), reserved and unspecified ranges.
    return ip.is_global and not ip.is_multicast


def check_target_url(url: str, *, aws_mode: bool, resolve: Resolver | None = resolve_host) -> None:
    """Refuse a webhook URL that is not allowed in this mode.

    ``resolve=None`` checks only what the URL itself says (scheme, literal addresses), for
    validating a route when it is saved; deliveries resolve the name and check every address.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # e.g. an unclosed "[" of an IPv6 literal
        raise UnsafeTargetError("webhook url is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeTargetError("webhook url must be http(s)://host/...")
    if not aws_mode:
        return
    if parts.scheme != "https":
        raise UnsafeTargetError("webhook url must use https")
    if host == "localhost" or host.endswith((".localhost", ".internal")):
        raise UnsafeTargetError("webhook host is not a public address")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if resolve is None:
            return
        addresses = resolve(host)
    if not addresses or not all(_is_public(a) for a in addresses):
        raise UnsafeTargetError("webhook host is not a public address")
