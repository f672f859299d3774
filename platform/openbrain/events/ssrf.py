"""Webhook target checks: in AWS only public ``https`` endpoints (no SSRF into the VPC, the
instance metadata service or localhost); anything goes in local mode.

Addresses are parsed by :mod:`ipaddress` only. A host that a URL parser or the C resolver
could read as a non-canonical IPv4 (``2130706433``, ``0x7f000001``, ``127.1``,
``0177.0.0.1``) is refused rather than guessed at, and every IPv6 range that embeds or
translates to an IPv4 address is refused whatever the IPv4 inside.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from openbrain.domain.errors import InvalidError

Resolver = Callable[[str], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

NOT_PUBLIC = "webhook host is not a public address"

# IPv6 ranges whose traffic reaches an IPv4 address: mapped and IPv4-translated (SIIT),
# IPv4-compatible (deprecated), NAT64 well-known and local-use prefixes, 6to4, Teredo.
_IPV4_IN_IPV6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::ffff:0:0/96", "::ffff:0:0:0/96", "::/96", "64:ff9b::/96", "64:ff9b:1::/48",
    "2002::/16", "2001::/32",
))
# The WHATWG URL standard (and inet_aton) read a host whose last label is a number as IPv4.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_NAME_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")


class UnsafeTargetError(InvalidError):
    """The target URL is not allowed (scheme, or an address that is not public)."""


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTargetError(f"webhook host {host!r} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(ip: IPAddress) -> bool:
    """Whether ``ip`` is a public unicast address that embeds no IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in _IPV4_IN_IPV6):
        return False
    # is_global is False for private, loopback, link-local (169.254.0.0/16, the metadata
    # service), shared (100.64/10), reserved and unspecified ranges.
    return ip.is_global and not ip.is_multicast


def parse_address(text: str) -> IPAddress:
    """An address as :mod:`ipaddress` reads it; a zone id (``fe80::1%eth0``) is dropped."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def checked_addresses(host: str, resolve: Resolver, allow: AddressPolicy) -> list[IPAddress]:
    """The addresses of ``host`` (a literal or a name resolved once), all allowed by
    ``allow``: the caller connects to these and to nothing else."""
    try:
        addresses = [parse_address(host)]
    except ValueError:
        addresses = [parse_address(a) for a in resolve(host)]
    if not addresses or not all(allow(a) for a in addresses):
        raise UnsafeTargetError(NOT_PUBLIC)
    return addresses


def _check_host(host: str) -> IPAddress | None:
    """Refuse a host that is local by name or not a canonical address; return the address
    of a literal host, ``None`` for a DNS name."""
    try:
        return parse_address(host)
    except ValueError:
        pass
    try:
        name = host.rstrip(".").encode("idna").decode("ascii")  # "localhost." is localhost
    except UnicodeError as exc:
        raise UnsafeTargetError("webhook host is not a valid DNS name") from exc
    labels = name.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        raise UnsafeTargetError("webhook host must be a DNS name or a canonical IP address")
    if not all(_NAME_LABEL.fullmatch(label) for label in labels):
        raise UnsafeTargetError("webhook host is not a valid DNS name")
    if name == "localhost" or name.endswith((".localhost", ".internal")):
        raise UnsafeTargetError(NOT_PUBLIC)
    return None


def check_target_url(url: str, *, aws_mode: bool, resolve: Resolver | None = resolve_host,
                     allow: AddressPolicy = is_public_address) -> None:
    """Refuse a webhook URL that is not allowed in this mode.

    ``resolve=None`` checks only what the URL itself says (scheme, the host's form, literal
    addresses), for validating a route when it is saved and before a delivery, whose
    connection resolves the name once and checks the very addresses it connects to.
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
    literal = _check_host(host)
    if literal is not None:
        if not allow(literal):
            raise UnsafeTargetError(NOT_PUBLIC)
    elif resolve is not None:
        checked_addresses(host, resolve, allow)
