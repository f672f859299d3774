"""The API client over real HTTP: problem details, field errors, lists, SSE streams."""

from __future__ import annotations

from typing import Any

import pytest

from admin_ui.api_client import ApiClient, ApiError, SseParser, problem_from_response
from tests.admin_ui.conftest import run
from tests.admin_ui.stub_api import StubApi

PROBLEM = "application/problem+json"



def test_problem_detail_with_field_errors() -> None:
    body = (b'{"type":"urn:openbrain:problem:bad-request","title":"Bad request","status":400,'
            b'"detail":"Expected `int` <= 128000","errors":[{"key":"maxTokens",'
            b'"message":"Expected `int` <= 128000","source":"body"}]}')
    err = problem_from_response(400, body)
    assert err.message == "Expected `int` <= 128000"
    assert err.field_errors == {"maxTokens": "Expected `int` <= 128000"}


def test_field_named_only_in_the_detail() -> None:
    err = problem_from_response(400, b'{"title":"Bad request","detail":"Expected `float` <= 2.0'
                                     b' - at `$.temperature`"}')
    assert err.field_errors == {"temperature": "Expected `float` <= 2.0 - at `$.temperature`"}


def test_non_json_error_body_still_has_a_message() -> None:
    err = problem_from_response(502, b"<html>bad gateway</html>")
    assert err.message == "Bad Gateway"
    assert not err.unauthorized


def test_sse_parser_handles_split_chunks() -> None:
    parser = SseParser()
    assert parser.feed('event: token\ndata: {"text": "He') == []
    rest = 'llo"}\n\n: keep-alive\n\nevent: done\r\ndata: {"message": "Hello"}\r\n\r\n'
    assert parser.feed(rest) == [
        ("token", {"text": "Hello"}),
        ("done", {"message": "Hello"}),
    ]


def test_sends_the_bearer_token_and_reads_items(stub_api: StubApi) -> None:
    stub_api.answer("GET", "/v1/leads", 200, {"items": [{"leadId": "L1"}], "cursor": None})
    items = run(ApiClient(stub_api.url, "tok-1").leads(q="ann", status=""))
    assert items == [{"leadId": "L1"}]
    request = stub_api.requests[-1]
    assert request["headers"]["Authorization"] == "Bearer tok-1"
    assert request["path"] == "/v1/leads?q=ann&limit=200"


def test_error_status_raises_api_error(stub_api: StubApi) -> None:
    stub_api.answer("GET", "/v1/configs/x", 404,
                    {"title": "Not found", "status": 404, "detail": "no profile 'x'"},
                    content_type=PROBLEM)
    with pytest.raises(ApiError) as info:
        run(ApiClient(stub_api.url, "t").config("x"))
    assert info.value.not_found
    assert info.value.message == "no profile 'x'"


def test_unreachable_api_is_an_api_error() -> None:
    with pytest.raises(ApiError) as info:
        run(ApiClient("http://127.0.0.1:9", "t", timeout=2).me())
    assert info.value.status == 0
    assert "unreachable" in info.value.title


def test_stream_message_yields_tokens_then_reply(stub_api: StubApi) -> None:
    stream = (b'event: token\ndata: {"text": "Hi "}\n\nevent: token\ndata: {"text": "there"}\n\n'
              b'event: done\ndata: {"sessionId": "S1", "message": "Hi there"}\n\n')
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, raw=stream,
                    content_type="text/event-stream")

    async def collect() -> list[tuple[str, Any]]:
        return [e async for e in ApiClient(stub_api.url, "t").stream_message("S1", "hello")]

    events = run(collect())
    assert events == [("token", {"text": "Hi "}), ("token", {"text": "there"}),
                      ("done", {"sessionId": "S1", "message": "Hi there"})]
    request = stub_api.requests[-1]
    assert request["headers"]["Accept"] == "text/event-stream"
    assert request["json"] == {"message": "hello"}


def test_stream_error_event_raises(stub_api: StubApi) -> None:
    stream = (b'event: error\ndata: {"title": "Conflict", "status": 409, '
              b'"detail": "another turn is running"}\n\n')
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, raw=stream,
                    content_type="text/event-stream")

    async def collect() -> list[Any]:
        return [e async for e in ApiClient(stub_api.url, "t").stream_message("S1", "x")]

    with pytest.raises(ApiError) as info:
        run(collect())
    assert info.value.status == 409
    assert info.value.message == "another turn is running"


def test_json_answer_is_one_done_event(stub_api: StubApi) -> None:
    stub_api.answer("POST", "/v1/sessions/S1/messages", 200, {"message": "plain"})

    async def collect() -> list[Any]:
        return [e async for e in ApiClient(stub_api.url, "t").stream_message("S1", "x")]

    assert run(collect()) == [("done", {"message": "plain"})]
