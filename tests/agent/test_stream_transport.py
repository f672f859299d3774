"""``transport.Endpoint.stream``: the streamed request ``httpx.Client.stream`` sends, on the
keep-alive connections ``Endpoint.post`` sends on (``connections.Lanes``); the same bytes,
cookies kept as the client keeps them, the same failures (a status outside 2xx, a timeout in
the middle of the stream, a refused connection), and through the client itself when the
environment configures proxies."""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from openbrain.agent.providers import transport
from openbrain.agent.providers.connections import Lanes
from openbrain.agent.providers.openai_compat import OpenAICompatChatModel
from openbrain.agent.providers.transport import Endpoint, ProviderStatusError, sse_data
from openbrain.agent.upstream import call_model
from tests.agent.test_provider_transport import (
    BODY,
    HEADERS,
    RawServer,
    _reply,
    expiry_checks,
    fx_proxied,  # noqa: F401 (the fixture)
    server,  # noqa: F401 (the fixture)
)
from tests.agent.test_stream_direct import KeepAlive, _serving

EVENTS = b'data: {"a": 1}\n\ndata: {"b": 2}\n\ndata: [DONE]\n\n'


def _sse(body: bytes = EVENTS, *extra: str, length: int | None = None) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream",
             f"Content-Length: {len(body) if length is None else length}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _payloads(endpoint: Endpoint, timeout: float = 5.0) -> list[bytes]:
    with endpoint.stream(BODY, timeout) as response:
        return list(sse_data(response))


def _via_client(url: str) -> list[bytes]:
    with transport.stream(url, BODY, HEADERS, 5.0) as response:
        return list(sse_data(response))


def test_the_request_bytes_are_the_clients(server: RawServer) -> None:  # noqa: F811
    server.replies += [_sse(), _sse()]
    assert _via_client(server.url) == [b'{"a": 1}', b'{"b": 2}']
    assert _payloads(Endpoint(server.url, HEADERS)) == [b'{"a": 1}', b'{"b": 2}']

    via_client, direct = server.requests
    assert direct == via_client
    assert direct.endswith(b"\r\n\r\n" + BODY)


def test_cookies_are_kept_and_sent_as_the_client_does(server: RawServer) -> None:  # noqa: F811
    http = transport.client()
    http.cookies.clear()
    try:
        server.replies += [_sse(EVENTS, "Set-Cookie: lb=two; Path=/"), _sse(), _sse()]
        endpoint = Endpoint(server.url, HEADERS)
        _payloads(endpoint)
        assert http.cookies.get("lb") == "two"

        _payloads(endpoint)
        _via_client(server.url)
        assert b"\r\nCookie: lb=two\r\n" in server.requests[1]
        assert server.requests[1] == server.requests[2]
    finally:
        http.cookies.clear()


def test_a_status_outside_2xx_is_a_provider_status_error(server: RawServer) -> None:  # noqa: F811
    server.replies.append(_reply(503, b'{"error": "busy, sk-test"}', "Retry-After: 3"))

    with pytest.raises(ProviderStatusError) as failed:
        _payloads(Endpoint(server.url, HEADERS))

    assert (failed.value.status_code, failed.value.retry_after) == (503, 3.0)
    assert failed.value.retryable
    assert "sk-test" not in str(failed.value)


def test_a_timeout_in_the_middle_of_the_stream_is_httpxs(server: RawServer) -> None:  # noqa: F811
    """The first event arrives, then nothing: the read times out, naming its request."""
    first = b'data: {"a": 1}\n\n'
    server.replies.append(_sse(first, length=len(first) + 50))
    read: list[bytes] = []

    with pytest.raises(httpx.ReadTimeout) as failed, \
            Endpoint(server.url, HEADERS).stream(BODY, 0.3) as response:
        read.extend(sse_data(response))

    assert read == [b'{"a": 1}']
    assert failed.value.request.url == server.url


def test_a_timeout_before_the_answer_is_httpxs(server: RawServer) -> None:  # noqa: F811
    server.silent = True

    with pytest.raises(httpx.ReadTimeout) as failed:
        _payloads(Endpoint(server.url, HEADERS), 0.2)

    assert failed.value.request.url == server.url


def test_a_refused_connection_is_httpxs() -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/v1/chat/completions"

    with pytest.raises(httpx.ConnectError):
        _payloads(Endpoint(url, HEADERS), 2.0)


def test_the_direct_path_skips_the_clients_layers(server: RawServer,  # noqa: F811
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = Endpoint(server.url, HEADERS)
    server.replies.append(_sse())

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("went through httpx.Client")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    monkeypatch.setattr(httpx.Client, "build_request", refuse)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)  # the client's pool

    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']


def test_plain_and_streamed_calls_take_turns_on_one_connection(server: RawServer,  # noqa: F811
                                                               ) -> None:
    lanes = Lanes()
    endpoint = Endpoint(server.url, HEADERS, lanes)
    server.replies += [_sse(), _reply(200, b"{}")] * 2 + [_reply(503, b"{}"), _sse()]

    for _ in range(2):
        assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']
        assert endpoint.post(BODY, 5.0) == b"{}"
    with pytest.raises(ProviderStatusError):
        _payloads(endpoint)  # its body read: the connection is whole
    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']

    assert (server.accepted, lanes.idle(), server.closed) == (1, 1, 0)


def test_a_stream_examines_one_connection_however_many_are_open(
    server: RawServer, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """16 calls in flight at once leave 16 connections open; a streamed call then checks the
    keep-alive of the one it uses (the client's pool checked every one it held)."""
    endpoint = Endpoint(server.url, HEADERS, Lanes())
    server.gate = threading.Barrier(16)
    threads = [threading.Thread(target=_payloads, args=(endpoint,)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.gate = None
    assert server.accepted == 16
    checked = expiry_checks(monkeypatch)
    server.replies += [_sse()] * 5

    for _ in range(5):
        assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']

    assert len({id(c) for c in checked}) == 1
    assert server.accepted == 16


def test_a_stream_broken_in_the_middle_leaves_no_connection_behind(
    server: RawServer,  # noqa: F811
) -> None:
    """A read that timed out mid-body closes its connection; the next call opens another and
    is whole."""
    lanes = Lanes()
    endpoint = Endpoint(server.url, HEADERS, lanes)
    first = b'data: {"a": 1}\n\n'
    server.replies += [_sse(first, length=len(first) + 50), _sse()]

    with pytest.raises(httpx.ReadTimeout):
        _payloads(endpoint, 0.3)
    assert lanes.idle() == 0

    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']
    assert (server.accepted, lanes.idle()) == (2, 1)


def test_a_stream_answered_connection_close_is_not_reused(server: RawServer,  # noqa: F811
                                                          ) -> None:
    lanes = Lanes()
    endpoint = Endpoint(server.url, HEADERS, lanes)
    server.replies += [_sse(EVENTS, "Connection: close"), _sse()]

    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']
    assert lanes.idle() == 0
    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']
    assert (server.accepted, lanes.idle()) == (2, 1)


def test_with_a_proxy_configured_it_goes_through_the_client(
    server: RawServer, proxied: list[str],  # noqa: F811
) -> None:
    endpoint = Endpoint(server.url, HEADERS)
    server.replies.append(_sse())
    assert _payloads(endpoint) == [b'{"a": 1}', b'{"b": 2}']
    assert proxied == [server.url]


def test_a_stream_left_early_closes_its_connection_and_the_next_call_is_whole() -> None:
    """The caller stops reading after the first token (``on_token`` raised): the response is
    closed, its half-read connection never serves the next call, which gets every token."""
    with _serving(KeepAlive) as (served, model):
        def stop(text: str) -> None:
            raise RuntimeError("the caller stopped")

        with pytest.raises(RuntimeError, match="the caller stopped"):
            call_model(model, [HumanMessage("hi")], timeout=5.0, on_token=stop)
        tokens: list[str] = []
        answer = call_model(model, [HumanMessage("hi")], timeout=5.0, on_token=tokens.append)

        assert tokens == ["one ", "two"]
        assert answer.content == "one two"
        assert served.connections == 2


def test_a_5xx_before_any_token_is_retried(server: RawServer) -> None:  # noqa: F811
    """A status outside 2xx comes before the stream: nothing was handed on, so the call is
    retried, and the second answer streams whole."""
    events = b'data: {"choices": [{"delta": {"content": "one "}}]}\n\n' \
             b'data: {"choices": [{"delta": {"content": "two"}}]}\n\ndata: [DONE]\n\n'
    server.replies += [_reply(503, b"{}", "Retry-After: 0"), _sse(events)]
    model = OpenAICompatChatModel(model_name="m", base_url=server.url.removesuffix(
        "/chat/completions"), api_key=SecretStr("k"))
    tokens: list[str] = []

    answer = call_model(model, [HumanMessage("hi")], timeout=5.0, on_token=tokens.append,
                        retries=1)

    assert tokens == ["one ", "two"]
    assert answer.content == "one two"
    assert len(server.requests) == 2
