"""``transport.Endpoint.post``: the bytes ``httpx.Client.post`` sends, cookies kept as the
client keeps them, its failures, without the client's per-request layers."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from openbrain.agent.providers import transport
from openbrain.agent.providers.connections import Lanes, as_httpx
from openbrain.agent.providers.transport import Endpoint, ProviderStatusError
from tests.events.tls_hosts import self_signed, tls_receiver

HEADERS = {"Authorization": "Bearer sk-test", "Content-Type": "application/json",
           "Accept": "application/json"}
BODY = b'{"model":"m","messages":[{"content":"hi","role":"user"}]}'


class RawServer:
    """HTTP/1.1 on 127.0.0.1, keep-alive: records each request's bytes exactly, answers
    with the next of ``replies`` (or 200 ``{}``); ``silent`` never answers."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1/chat/completions"
        self.requests: list[bytes] = []
        self.replies: list[bytes] = []
        self.silent = False
        self.gate: threading.Barrier | None = None  # replies wait until this many requests
        self.accepted = 0
        self.closed = 0  # connections the client closed
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        self.closed += 1
                        return
                    data += chunk
                head, data = data.split(b"\r\n\r\n", 1)
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                while len(data) < length:
                    data += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + data[:length])
                data = data[length:]
                if self.silent:
                    continue
                if self.gate is not None:
                    self.gate.wait(5.0)
                reply = self.replies.pop(0) if self.replies else _reply(200, b"{}")
                conn.sendall(reply)

    def close(self) -> None:
        self.sock.close()


def _reply(status: int, body: bytes, *extra: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}",
             "Content-Type: application/json", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
def server() -> Iterator[RawServer]:
    running = RawServer()
    yield running
    running.close()


def test_the_request_bytes_are_the_clients(server: RawServer) -> None:
    transport.client().post(server.url, content=BODY, headers=HEADERS, timeout=5.0)
    assert Endpoint(server.url, HEADERS).post(BODY, 5.0) == b"{}"

    via_client, direct = server.requests
    assert direct == via_client
    assert direct.endswith(b"\r\n\r\n" + BODY)


def test_cookies_are_kept_and_sent_as_the_client_does(server: RawServer) -> None:
    """A cookie the endpoint sets comes back on the next request (load balancers' stickiness
    cookies), on either path, the same bytes."""
    http = transport.client()
    http.cookies.clear()
    try:
        server.replies.append(_reply(200, b"{}", "Set-Cookie: lb=one; Path=/"))
        endpoint = Endpoint(server.url, HEADERS)
        endpoint.post(BODY, 5.0)
        assert http.cookies.get("lb") == "one"

        endpoint.post(BODY, 5.0)
        http.post(server.url, content=BODY, headers=HEADERS, timeout=5.0)
        assert b"\r\nCookie: lb=one\r\n" in server.requests[1]
        assert server.requests[1] == server.requests[2]
    finally:
        http.cookies.clear()


def test_a_status_outside_2xx_is_a_provider_status_error(server: RawServer) -> None:
    server.replies.append(_reply(429, b'{"error": "slow down, sk-test"}', "Retry-After: 2"))

    with pytest.raises(ProviderStatusError) as failed:
        Endpoint(server.url, HEADERS).post(BODY, 5.0)

    assert (failed.value.status_code, failed.value.retry_after) == (429, 2.0)
    assert "sk-test" not in str(failed.value)


def test_a_timeout_is_httpxs_and_names_its_request(server: RawServer) -> None:
    server.silent = True

    with pytest.raises(httpx.ReadTimeout) as failed:
        Endpoint(server.url, HEADERS).post(BODY, 0.2)

    assert failed.value.request.url == server.url


def test_a_refused_connection_is_httpxs() -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/v1/chat/completions"

    with pytest.raises(httpx.ConnectError):
        Endpoint(url, HEADERS).post(BODY, 2.0)


def test_the_direct_path_skips_the_clients_layers(server: RawServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = Endpoint(server.url, HEADERS)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("went through httpx.Client")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(httpx.Client, "build_request", refuse)

    assert endpoint.post(BODY, 5.0) == b"{}"


@pytest.fixture(name="proxied")
def fx_proxied(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Proxies in the environment of a client made for the test (the process's own comes
    back afterwards): the URL of each request the client itself sends."""
    monkeypatch.setattr(transport, "_client", None)
    monkeypatch.setattr(transport, "_pool", None)
    monkeypatch.setattr(transport, "_direct", transport._direct)
    monkeypatch.setattr(transport, "getproxies", lambda: {"https": "http://proxy.invalid:1"})
    sent: list[str] = []
    send = httpx.Client.send

    def recording(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        sent.append(str(request.url))
        return send(self, request, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", recording)
    try:
        yield sent
    finally:
        transport.client().close()


def test_with_a_proxy_configured_it_goes_through_the_client(
    server: RawServer, proxied: list[str],
) -> None:
    """The client routes through the environment's proxies; the direct path would not."""
    endpoint = Endpoint(server.url, HEADERS)
    assert endpoint.post(BODY, 5.0) == b"{}"
    assert proxied == [server.url]


def expiry_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The connections whose keep-alive is checked from now on, once per check."""
    checked: list[object] = []
    has_expired = httpcore.HTTPConnection.has_expired

    def counting(self: httpcore.HTTPConnection) -> bool:
        checked.append(self)
        return has_expired(self)

    monkeypatch.setattr(httpcore.HTTPConnection, "has_expired", counting)
    return checked


def _in_flight(server: RawServer, endpoint: Endpoint, count: int) -> None:
    """``count`` posts in flight at once (the server answers when all have arrived)."""
    server.gate = threading.Barrier(count)
    threads = [threading.Thread(target=endpoint.post, args=(BODY, 5.0)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.gate = None


def test_a_post_examines_one_connection_however_many_are_open(
    server: RawServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After 16 turns' calls in flight at once, 16 connections stay open for the next burst,
    and a call checks the keep-alive of the one it uses (httpx's pool checks all of them,
    polling each socket, on the request and on the response's close)."""
    endpoint = Endpoint(server.url, HEADERS, Lanes())
    _in_flight(server, endpoint, 16)
    assert server.accepted == 16
    checked = expiry_checks(monkeypatch)

    for _ in range(5):
        assert endpoint.post(BODY, 5.0) == b"{}"

    assert len({id(c) for c in checked}) == 1
    assert len(checked) <= 2 * 5
    assert server.accepted == 16  # kept alive: no new connection
    monkeypatch.undo()
    _in_flight(server, endpoint, 16)
    assert server.accepted == 16  # the burst found its 16 connections again
    assert server.closed == 0


def _two_idle(server: RawServer, lanes: Lanes) -> tuple[
        httpcore.Origin, httpcore.HTTPConnection, httpcore.HTTPConnection]:
    """Two connections taken together and used, then given back (the first first)."""
    origin = httpcore.URL(server.url).origin
    first, second = lanes.take(origin), lanes.take(origin)
    for connection in (first, second):
        connection.request("POST", server.url, content=BODY, headers=[
            (b"Host", origin.host), (b"Content-Length", str(len(BODY)).encode())])
    lanes.give(origin, first)
    lanes.give(origin, second)
    return origin, first, second


def test_an_idle_connection_is_closed_past_the_keep_alive_expiry(server: RawServer) -> None:
    lanes = Lanes(expiry=60.0)
    origin, first, second = _two_idle(server, lanes)
    assert (lanes.idle(), server.closed) == (2, 0)

    lanes.expiry = 0.0  # the first has been idle too long now: the next call closes it
    assert lanes.take(origin) is second  # last in, first out
    lanes.give(origin, second)

    assert lanes.idle() == 1
    assert lanes.take(origin) is second
    assert first.is_closed()
    _wait_for(lambda: server.closed == 1)


def test_idle_connections_beyond_the_limit_are_closed(server: RawServer) -> None:
    lanes = Lanes(limit=1)
    origin, first, second = _two_idle(server, lanes)

    assert lanes.idle() == 1
    assert lanes.take(origin) is second
    assert first.is_closed()
    _wait_for(lambda: server.closed == 1)


def test_a_connection_the_server_closed_is_not_reused(server: RawServer) -> None:
    lanes = Lanes()
    endpoint = Endpoint(server.url, HEADERS, lanes)
    server.replies.append(_reply(200, b"{}", "Connection: close"))
    assert endpoint.post(BODY, 5.0) == b"{}"
    assert lanes.idle() == 0

    assert endpoint.post(BODY, 5.0) == b"{}"
    assert (server.accepted, lanes.idle()) == (2, 1)


def test_a_gzipped_reply_is_decoded_as_the_client_decodes_it(server: RawServer) -> None:
    payload = b'{"choices": []}'
    server.replies.append(_reply(200, gzip.compress(payload), "Content-Encoding: gzip"))

    assert Endpoint(server.url, HEADERS).post(BODY, 5.0) == payload


def test_httpcore_failures_are_httpxs_as_its_transport_raises_them() -> None:
    from httpx._transports.default import _load_httpcore_exceptions  # pins the same table

    for core, mapped in _load_httpcore_exceptions().items():
        failure = as_httpx(core("what failed"))
        assert type(failure) is mapped
        assert str(failure) == "what failed"
    assert as_httpx(ValueError("ours")) is None


def _wait_for(condition: Callable[[], bool]) -> None:
    """The server's thread sees a close a moment after the client makes it."""
    deadline = time.monotonic() + 5.0
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_https_is_verified_as_the_client_verifies_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TLS with the context httpx makes (certifi, or the environment's ``SSL_CERT_FILE``),
    the host name checked: an untrusted certificate is refused, a trusted one answers."""
    key, cert = self_signed(tmp_path, "localhost")
    with tls_receiver("127.0.0.1", key, cert) as receiver:
        url = f"https://localhost:{receiver.port}/v1/chat/completions"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            Endpoint(url, HEADERS, Lanes()).post(BODY, 5.0)

        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        endpoint = Endpoint(url, HEADERS, Lanes())  # its context is made on first use
        assert endpoint.post(BODY, 5.0) == b""
        assert endpoint.post(BODY, 5.0) == b""

    assert receiver.hosts == [f"localhost:{receiver.port}"] * 2
