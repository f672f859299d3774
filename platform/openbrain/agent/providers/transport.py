"""One pooled ``httpx.Client`` per process, shared by every provider, and its failures.

A provider sends with ``Endpoint.post`` (over ``lanes``, keep-alive transports lent one per
request in flight, made like the client's), or ``post``, ``stream``, and gets either a 2xx
response or ``ProviderStatusError`` (status code and the ``Retry-After`` the endpoint asked
for). Timeouts and connection failures stay ``httpx`` exceptions: ``upstream`` maps both.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.request import getproxies

import httpx

_lock = threading.Lock()
_client: httpx.Client | None = None
_pool: httpx.HTTPTransport | None = None
_direct = False  # no proxy in the environment the client was made in: it sends via ``_pool``
# Idle connections kept per process: one per worker thread that may be waiting on a model.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=64)
_DRAIN_LIMIT = 64 * 1024  # bytes read after a stream's [DONE] to keep its connection


class ProviderStatusError(Exception):
    """The endpoint answered outside 2xx. The body is never kept: it can echo a key."""

    def __init__(self, status_code: int, retry_after: float) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status_code == 429 or self.status_code >= 500


def client() -> httpx.Client:
    """The process's client (built on first use; keep-alive connections are reused)."""
    global _client, _pool, _direct
    if _client is None:
        with _lock:
            if _client is None:
                _pool = httpx.HTTPTransport(limits=_LIMITS)
                _direct = not getproxies()  # what the client reads its proxy mounts from
                # each request sets its own timeout
                _client = httpx.Client(transport=_pool, timeout=60.0)
    return _client


class Endpoint:
    """One URL and its headers, parsed and merged with the client's defaults once.

    ``post`` sends what ``client().post(url, content=body, headers=headers,
    timeout=timeout)`` sends (the same request bytes, cookies kept as the client keeps them)
    straight to a transport lent by ``lanes``: per call, the client's request building
    (URL parsing, header and cookie merging), auth, redirect and hook layers cost more than
    the model call's own HTTP exchange. With proxies configured in the environment (the
    client then routes through them) it goes through the client itself.
    """

    def __init__(self, url: str, headers: Mapping[str, str]) -> None:
        self.url = url
        self._headers = headers
        http = client()
        # What ``Client.build_request`` merges: the client's defaults, then ours.
        self._merged = httpx.Headers(http.headers)
        self._merged.update(headers)
        self._parsed = httpx.URL(url)

    def post(self, body: bytes, timeout: float) -> bytes:
        http = client()
        if not _direct or _pool is None:
            return post(self.url, body, self._headers, timeout)
        lane = lanes.take()
        try:
            return self._send(lane, http, body, timeout)
        finally:
            lanes.give(lane)

    def _send(self, lane: httpx.HTTPTransport, http: httpx.Client, body: bytes,
              timeout: float) -> bytes:
        # httpx.Timeout(timeout).as_dict(), as the client passes it to the transport
        limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        # The jar's cookies for this URL, as ``build_request`` hands them on (when it has any).
        request = httpx.Request("POST", self._parsed, headers=self._merged, content=body,
                                cookies=http.cookies or None, extensions={"timeout": limits})
        try:
            response = lane.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as the client's: the failure names its request
            raise
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        if "set-cookie" in response.headers:  # as the client: kept for the next request
            http.cookies.extract_cookies(response)
        _check(response)
        return response.content


class Lanes:
    """The transports ``Endpoint.post`` sends through, lent one per request in flight.

    httpx's connection pool examines every connection it holds on each request and again when
    its response closes (keep-alive expiry, a poll of each idle socket, a count of the idle
    ones per connection), so with 16 turns in flight a call cost about 300 µs more CPU than
    with one. A lane is an ``httpx.HTTPTransport`` carrying one request at a time: it keeps
    at most one connection per endpoint, and that check is of one connection. Idle lanes are
    reused last in, first out (the busy ones stay warm); the one idle longest is closed once
    it has been idle past the pool's keep-alive expiry (its connection would have been closed
    by then too), one per call, and beyond ``limit`` idle lanes the extra one is closed.
    """

    def __init__(self, limit: int = 64, expiry: float = 5.0) -> None:
        self._idle: list[tuple[float, httpx.HTTPTransport]] = []  # (since, lane), oldest first
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None
        self.limit = limit
        self.expiry = expiry

    def take(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._idle:
                return self._idle.pop()[1]
            if self._ssl is None:  # what HTTPTransport() makes itself: loaded once, shared
                self._ssl = httpx.create_ssl_context()
            context = self._ssl
        return httpx.HTTPTransport(verify=context, limits=_LIMITS)

    def give(self, lane: httpx.HTTPTransport) -> None:
        now = time.monotonic()
        with self._lock:
            self._idle.append((now, lane))
            stale = (self._idle.pop(0)[1] if len(self._idle) > self.limit
                     or self._idle[0][0] < now - self.expiry else None)
        if stale is not None:
            stale.close()

    def idle(self) -> int:
        """Lanes waiting for a request."""
        return len(self._idle)

    def close(self) -> None:
        """Close every idle lane (and its connections)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for _, lane in idle:
            lane.close()


lanes = Lanes()


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> bytes:
    response = client().post(url, content=body, headers=headers, timeout=timeout)
    _check(response)
    return response.content


@contextmanager
def stream(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float
) -> Iterator[httpx.Response]:
    with client().stream("POST", url, content=body, headers=headers,
                         timeout=timeout) as response:
        if response.status_code >= 300:
            response.read()
        _check(response)
        yield response


def sse_data(response: httpx.Response) -> Iterator[bytes]:
    """The ``data:`` payloads of a server-sent event stream, as bytes, up to ``[DONE]``.

    Lines are split with bytes operations (``iter_lines`` decodes every line to ``str``
    first); a line ends at LF, CRLF or CR, as in ``iter_lines``. Blank separators, comments
    and ``event:`` lines are skipped: every payload of the chat-completions stream is one
    line.
    """
    rest = b""
    blocks = response.iter_bytes()
    for block in blocks:
        if b"\r" in block:
            # A CRLF split between two blocks only adds a blank line, which is skipped.
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, rest = (rest + block).split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                data = line[5:].strip()
                if data == b"[DONE]":
                    _drain(blocks)
                    return
                yield data
    if rest.startswith(b"data:") and (data := rest[5:].strip()) != b"[DONE]":
        yield data


def _drain(blocks: Iterator[bytes]) -> None:
    """Read the body to its end after ``[DONE]`` (its last bytes), so that the connection
    goes back to the pool: a response closed before its end closes its connection, and the
    next call would open a new one (with TLS, a handshake per streamed call). Whatever goes
    wrong now, the answer is whole: the response is closed as before. A body that goes on
    past ``_DRAIN_LIMIT`` is closed there (its connection with it)."""
    left = _DRAIN_LIMIT
    with contextlib.suppress(httpx.HTTPError):
        for block in blocks:
            left -= len(block)
            if left < 0:
                return


def _check(response: httpx.Response) -> None:
    if response.status_code < 300:
        return
    raise ProviderStatusError(response.status_code, retry_after(response.headers))


def retry_after(headers: httpx.Headers) -> float:
    """Seconds the endpoint asked us to wait (``Retry-After`` in seconds), or 0."""
    try:
        return max(0.0, float(headers.get("retry-after", "0")))
    except ValueError:  # an HTTP date: not worth parsing for a turn measured in seconds
        return 0.0


class MalformedReplyError(ValueError):
    """The endpoint answered 2xx with a body that is not the API's shape."""
