"""Keep-alive connections for ``transport.Endpoint``'s calls (plain and streamed), lent one per
request in flight, and httpcore's failures as httpx raises them.

Per model call, httpx's client and transport layers (``httpx.Request`` and ``Response``
objects, exception mapping, stream wrappers) and its connection pool cost more CPU than the
HTTP exchange: the pool examines every connection it holds on each request and again when
the response closes (keep-alive expiry, a poll of each idle socket), so with 16 turns in flight
a call cost about 150 µs more than with one. A call here takes one of httpcore's
``HTTPConnection`` (what httpx's pool holds: the same HTTP/1.1 code, TLS context, keep-alive
expiry and timeouts) from a stack of idle ones, sends on it and puts it back, checking the
keep-alive of that one connection only.

Idle connections are reused last in, first out (the busy ones stay warm); the one idle longest
is closed once idle past the keep-alive expiry httpx gives its pool (its connection would have
been closed by then too), at most one per call, and beyond ``limit`` idle connections of an
origin the extra one is closed.
"""

from __future__ import annotations

import ssl
import threading
import time

import httpcore
import httpx

KEEPALIVE_EXPIRY = 5.0  # httpx.Limits' default: what the client's pool closes idle ones after

# httpx's transport raises these for httpcore's (the most specific match wins).
_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}


def as_httpx(exc: Exception) -> httpx.TransportError | None:
    """The exception ``httpx.HTTPTransport`` raises for ``exc`` (same class and message), or
    ``None`` when ``exc`` is not one of httpcore's failures."""
    for cls in type(exc).__mro__:
        found = _ERRORS.get(cls)
        if found is not None:
            return found(str(exc))
    return None


class Lanes:
    """Idle keep-alive connections per origin; ``take`` one for a request, ``give`` it back
    after its response is read (or it failed)."""

    def __init__(self, limit: int = 64, expiry: float = KEEPALIVE_EXPIRY) -> None:
        # Per origin (scheme, host, port), (idle since, connection), the oldest first.
        self._idle: dict[tuple[bytes, bytes, int], list[tuple[float, httpcore.HTTPConnection]]]
        self._idle = {}
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None
        self.limit = limit
        self.expiry = expiry

    def take(self, origin: httpcore.Origin) -> httpcore.HTTPConnection:
        while True:
            with self._lock:
                idle = self._idle.get((origin.scheme, origin.host, origin.port))
                found = idle.pop()[1] if idle else None
                if found is None and self._ssl is None:
                    # What httpx.HTTPTransport() makes for itself: loaded once, shared.
                    self._ssl = httpx.create_ssl_context()
                context = self._ssl
            if found is None:
                return httpcore.HTTPConnection(origin, ssl_context=context,
                                               keepalive_expiry=self.expiry)
            if not found.has_expired():  # its keep-alive is over, or the server closed it
                return found
            found.close()

    def give(self, origin: httpcore.Origin, connection: httpcore.HTTPConnection) -> None:
        if connection.is_closed() or not connection.is_idle():
            connection.close()  # failed, or the server said ``Connection: close``
            return
        now = time.monotonic()
        with self._lock:
            idle = self._idle.setdefault((origin.scheme, origin.host, origin.port), [])
            idle.append((now, connection))
            stale = (idle.pop(0)[1] if len(idle) > self.limit or idle[0][0] < now - self.expiry
                     else None)
        if stale is not None:
            stale.close()

    def idle(self) -> int:
        """Connections waiting for a request, all origins together."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, connection in connections:
                connection.close()
