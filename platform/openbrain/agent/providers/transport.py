"""One pooled ``httpx.Client`` per process, shared by every provider, and its failures.

A provider sends with ``Endpoint.post`` or ``Endpoint.stream`` (both on keep-alive connections
lent one per request in flight, see ``connections``; or ``post``, ``stream``) and gets either a
2xx response or ``ProviderStatusError`` (status code and the ``Retry-After`` the endpoint asked
for). Timeouts and connection failures stay ``httpx`` exceptions: ``upstream`` maps both.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from urllib.request import getproxies

import httpcore
import httpx

from openbrain.agent.providers.connections import Lanes, as_httpx

_lock = threading.Lock()
_client: httpx.Client | None = None
_pool: httpx.HTTPTransport | None = None
_direct = False  # no proxy in the environment the client was made in: calls go via lanes
# Idle connections kept per process: one per worker thread that may be waiting on a model.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=64)
_DRAIN_LIMIT = 64 * 1024  # bytes read after a stream's [DONE] to keep its connection
# Reply headers that make httpx do more than hand on the body: cookies, content decoding.
_READ_BY_HTTPX = frozenset({b"set-cookie", b"content-encoding"})
shared_lanes = Lanes()  # the connections of ``Endpoint``'s calls, all endpoints of the process


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
    timeout=timeout)`` sends (the same request bytes, cookies kept as the client keeps them,
    the reply decoded and failures raised as the client's) on a keep-alive connection lent by
    ``connections.Lanes``: per call, the client's request building (URL parsing, header and
    cookie merging), auth, redirect, hook and transport layers and its pool's bookkeeping
    cost more than the model call's own HTTP exchange. With proxies configured in the
    environment (the client then routes through them) it goes through the client itself.
    """

    def __init__(self, url: str, headers: Mapping[str, str], lanes: Lanes | None = None) -> None:
        self.url = url
        self._headers = headers
        self._lanes = lanes if lanes is not None else shared_lanes
        http = client()
        # What ``Client.build_request`` merges: the client's defaults, then ours.
        self._merged = httpx.Headers(http.headers)
        self._merged.update(headers)
        self._parsed = httpx.URL(url)
        # The request's head as httpx writes it (Host first, the length last, in its
        # spelling), and the URL as its transport hands it to httpcore.
        sample = httpx.Request("POST", self._parsed, headers=self._merged, content=b"-")
        self._raw = list(sample.headers.raw)
        self._length_at = next(i for i, (name, _) in enumerate(self._raw)
                               if name.lower() == b"content-length")
        self._target = httpcore.URL(scheme=self._parsed.raw_scheme, host=self._parsed.raw_host,
                                    port=self._parsed.port, target=self._parsed.raw_path)
        self._origin = self._target.origin

    def post(self, body: bytes, timeout: float) -> bytes:
        http = client()
        if not _direct or _pool is None:
            return post(self.url, body, self._headers, timeout)
        limits = _timeouts(timeout)
        cookies = http.cookies
        connection, response = self._send(body, limits, cookies)
        try:
            with self._as_httpx(body, limits, cookies):
                try:
                    content = response.read()
                finally:
                    response.close()
        finally:
            self._lanes.give(self._origin, connection)
        if response.status < 300 and not any(
            name.lower() in _READ_BY_HTTPX for name, _ in response.headers
        ):
            return content
        # A cookie to keep, an encoded body or a failure: what httpx makes of the reply.
        reply = httpx.Response(response.status, headers=response.headers,
                               stream=httpx.ByteStream(content), extensions=response.extensions,
                               request=self._request(body, limits, cookies))
        reply.read()
        if "set-cookie" in reply.headers:  # as the client: kept for the next request
            cookies.extract_cookies(reply)
        _check(reply)
        return reply.content

    @contextmanager
    def stream(self, body: bytes, timeout: float) -> Iterator[httpx.Response]:
        """``stream`` (below) on the connections ``post`` sends on, as ``post`` sends: the
        same request bytes, cookies kept as the client keeps them, the same failures (in the
        middle of the body too); the body is read as it comes and the response closed on
        leaving (read to its end, its connection is lent again)."""
        http = client()
        if not _direct or _pool is None:
            with stream(self.url, body, self._headers, timeout) as response:
                yield response
            return
        limits = _timeouts(timeout)
        cookies = http.cookies
        connection, lent = self._send(body, limits, cookies)
        response = httpx.Response(
            lent.status, headers=lent.headers, extensions=lent.extensions,
            stream=_LentBody(lent, lambda: self._as_httpx(body, limits, cookies)))
        try:
            if "set-cookie" in response.headers:  # kept as the client keeps them
                response.request = self._request(body, limits, cookies)
                cookies.extract_cookies(response)
            if response.status_code >= 300:
                response.read()
            _check(response)
            yield response
        finally:
            response.close()
            self._lanes.give(self._origin, connection)

    def _send(self, body: bytes, limits: dict[str, float], cookies: httpx.Cookies,
              ) -> tuple[httpcore.HTTPConnection, httpcore.Response]:
        """The request (``post``'s and ``stream``'s) on a lent connection: the connection and
        its response, the body not read yet; or httpx's failure, the connection given back."""
        if cookies:  # the jar's cookies for this URL, as ``build_request`` adds them
            raw = self._request(body, limits, cookies).headers.raw
        else:
            raw = self._raw.copy()
            raw[self._length_at] = (raw[self._length_at][0], str(len(body)).encode())
        request = httpcore.Request(b"POST", self._target, headers=raw, content=body,
                                   extensions={"timeout": limits})
        connection = self._lanes.take(self._origin)
        try:
            with self._as_httpx(body, limits, cookies):
                return connection, connection.handle_request(request)
        except Exception:
            self._lanes.give(self._origin, connection)
            raise

    @contextmanager
    def _as_httpx(self, body: bytes, limits: dict[str, float],
                  cookies: httpx.Cookies) -> Iterator[None]:
        """httpcore's failures raised as httpx's, naming their request; others as they are."""
        try:
            yield
        except Exception as exc:
            failure = as_httpx(exc)
            if failure is None:
                raise
            failure.request = self._request(body, limits, cookies)
            raise failure from exc

    def _request(self, body: bytes, limits: dict[str, float],
                 cookies: httpx.Cookies) -> httpx.Request:
        return httpx.Request("POST", self._parsed, headers=self._merged, content=body,
                             cookies=cookies or None, extensions={"timeout": limits})


class _LentBody(httpx.SyncByteStream):
    """A streamed reply's body on a lent connection, failing as httpx's transport fails
    (httpx's exception classes, naming the request)."""

    def __init__(self, response: httpcore.Response,
                 mapped: Callable[[], AbstractContextManager[None]]) -> None:
        self._response = response
        self._mapped = mapped

    def __iter__(self) -> Iterator[bytes]:
        with self._mapped():
            yield from self._response.iter_stream()

    def close(self) -> None:
        with self._mapped():
            self._response.close()


def _timeouts(timeout: float) -> dict[str, float]:
    """``httpx.Timeout(timeout).as_dict()``, as the client passes it to the transport."""
    return {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}


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
