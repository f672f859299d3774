"""The client over real HTTP (a stub API): problem details become domain errors with their
field messages, listings decode into ``Page``s, SSE streams into tokens then the reply."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from openbrain.api.schemas import SendMessage
from openbrain.client import AsyncClient, Client, Token, api
from openbrain.client.problems import error_from_body
from openbrain.client.sse import SseParser
from openbrain.domain.chat import ChatReply
from openbrain.domain.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    UpstreamError,
)
from tests.admin_ui.stub_api import StubApi

PROBLEM = "application/problem+json"
LEAD = {"clientId": "acme", "leadId": "L1", "email": "ann@x.io",
        "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z"}
REPLY = {"sessionId": "S1", "message": "Hi there", "profileName": "default",
         "profileVersion": 1}


def test_problem_detail_with_field_errors() -> None:
    body = (b'{"type":"urn:openbrain:problem:bad-request","title":"Bad request","status":400,'
            b'"detail":"Expected `int` <= 128000","errors":[{"key":"maxTokens",'
            b'"message":"Expected `int` <= 128000","source":"body"}]}')
    err = error_from_body(400, body)
    assert isinstance(err, InvalidError)
    assert err.detail == "Expected `int` <= 128000"
    assert err.fields == {"maxTokens": "Expected `int` <= 128000"}


def test_field_named_only_in_the_detail() -> None:
    err = error_from_body(422, b'{"title":"Bad request","detail":"Expected `float` <= 2.0'
                               b' - at `$.temperature`"}')
    assert isinstance(err, InvalidError)
    assert err.fields == {"temperature": "Expected `float` <= 2.0 - at `$.temperature`"}


def test_non_json_error_body_still_has_a_message() -> None:
    err = error_from_body(502, b"<html>bad gateway</html>")
    assert type(err) is UpstreamError
    assert err.detail == "Bad Gateway"


def test_rate_limit_keeps_retry_after() -> None:
    err = error_from_body(429, b'{"detail":"slow down"}', retry_after="7")
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 7


def test_sse_parser_handles_split_chunks() -> None:
    parser = SseParser()
    assert parser.feed('event: token\ndata: {"text": "He') == []
    rest = 'llo"}\n\n: keep-alive\n\nevent: done\r\ndata: {"message": "Hello"}\r\n\r\n'
    assert parser.feed(rest) == [("token", '{"text": "Hello"}'), ("done", '{"message": "Hello"}')]


def test_sends_the_bearer_token_and_decodes_a_page(stub_api: StubApi) -> None:
    stub_api.answer("GET", "/v1/leads", 200, {"items": [LEAD], "cursor": None})
    with Client(stub_api.url, "tok-1") as client:
        page = client.send(api.leads(q="ann", status=""))
    assert [lead.email for lead in page.items] == ["ann@x.io"]
    assert page.cursor is None
    request = stub_api.requests[-1]
    assert request["headers"]["Authorization"] == "Bearer tok-1"
    assert request["path"] == "/v1/leads?q=ann&limit=200"


@pytest.mark.parametrize(("status", "error"), [(401, UnauthorizedError), (404, NotFoundError),
                                               (409, ConflictError), (500, UpstreamError)])
def test_error_status_raises_its_domain_error(stub_api: StubApi, status: int,
                                             error: type[Exception]) -> None:
    stub_api.answer("GET", "/v1/configs/x", status,
                    {"title": "x", "status": status, "detail": "no profile 'x'"},
                    content_type=PROBLEM)
    with Client(stub_api.url, "t") as client, pytest.raises(error) as info:
        client.send(api.config("x"))
    assert str(info.value) == "no profile 'x'"


def test_unreachable_api_is_an_upstream_error() -> None:
    async def me() -> Any:
        async with AsyncClient("http://127.0.0.1:9", "t", timeout=2) as client:
            return await client.send(api.me())

    with pytest.raises(UpstreamError, match=r"cannot reach the API at http://127\.0\.0\.1:9"):
        asyncio.run(me())


def _stream(url: str) -> list[Any]:
    call = api.send_message("S1", SendMessage(message="hello"), stream=True)

    async def collect() -> list[Any]:
        async with AsyncClient(url, "t") as client:
            return [event async for event in client.stream(call)]

    return asyncio.run(collect())


def test_stream_yields_tokens_then_the_reply(stub_api: StubApi) -> None:
    stream = (b'event: token\ndata: {"text": "Hi "}\n\nevent: token\ndata: {"text": "there"}\n\n'
              b'event: done\ndata: ' + json.dumps(REPLY).encode() + b"\n\n")
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, raw=stream,
                    content_type="text/event-stream")
    events = _stream(stub_api.url)
    assert events[:2] == [Token("Hi "), Token("there")]
    assert isinstance(events[2], ChatReply)
    assert events[2].message == "Hi there"
    request = stub_api.requests[-1]
    assert request["headers"]["Accept"] == "text/event-stream"
    assert request["json"] == {"message": "hello", "context": {}}
    # The blocking client reads the same stream the same way.
    with Client(stub_api.url, "t") as client:
        call = api.send_message("S1", SendMessage(message="hello"), stream=True)
        assert list(client.stream(call)) == events


def test_stream_error_event_raises_its_domain_error(stub_api: StubApi) -> None:
    stream = (b'event: error\ndata: {"title": "Conflict", "status": 409, '
              b'"detail": "another turn is running"}\n\n')
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, raw=stream,
                    content_type="text/event-stream")
    with pytest.raises(ConflictError, match="another turn is running"):
        _stream(stub_api.url)


def test_stream_cut_short_is_an_upstream_error(stub_api: StubApi) -> None:
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200,
                    raw=b'event: token\ndata: {"text": "Hi"}\n\n',
                    content_type="text/event-stream")
    with pytest.raises(UpstreamError, match="closed the stream"):
        _stream(stub_api.url)


def test_json_answer_to_a_stream_is_the_reply(stub_api: StubApi) -> None:
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, REPLY)
    [reply] = _stream(stub_api.url)
    assert isinstance(reply, ChatReply)
    assert reply.session_id == "S1"
