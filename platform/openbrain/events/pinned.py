"""An httpx transport that connects only to addresses it has checked (no DNS rebinding).

The host is resolved once, when the connection is opened; every address is checked and the
socket goes to one of those very addresses. The URL keeps its host name, so the ``Host``
header, TLS SNI and certificate verification are all for the name, not the address.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpcore
import httpx

from openbrain.events.ssrf import AddressPolicy, Resolver, checked_addresses

_SocketOption = (tuple[int, int, int] | tuple[int, int, bytes | bytearray]
                 | tuple[int, int, None, int])


class PinnedBackend(httpcore.NetworkBackend):
    """Resolves and checks the host, then connects to the checked addresses in order."""

    def __init__(self, resolve: Resolver, allow: AddressPolicy) -> None:
        self._resolve = resolve
        self._allow = allow
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[_SocketOption] | None = None,
                    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, self._resolve, self._allow)
        for address in addresses[:-1]:
            try:
                return self._tcp.connect_tcp(str(address), port, timeout, local_address,
                                             socket_options)
            except httpcore.ConnectError:
                continue
        return self._tcp.connect_tcp(str(addresses[-1]), port, timeout, local_address,
                                     socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[_SocketOption] | None = None,
                            ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks connect over TCP only")

    def sleep(self, seconds: float) -> None:
        self._tcp.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """:class:`httpx.HTTPTransport` (its request mapping and error translation) over a
    connection pool whose every connection is made by :class:`PinnedBackend`."""

    def __init__(self, *, resolve: Resolver, allow: AddressPolicy,
                 verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        limits = httpx.Limits()  # httpx's defaults: idle connections expire after 5 s
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(resolve, allow),
        )
