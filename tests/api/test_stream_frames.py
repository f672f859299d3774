"""Streamed turns: each token is one pre-framed SSE event (the bytes Litestar's
``ServerSentEventMessage`` wrote), the streamed answer is merged once, and the checks and the
turn share one thread hop."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
import structlog
from langchain_core.messages import AIMessageChunk, HumanMessage
from litestar.response import ServerSentEventMessage

from openbrain.agent.offline import OfflineChatModel
from openbrain.agent.upstream import call_model
from openbrain.api import chat_service, framed_stream
from openbrain.api.chat_service import event_frame, token_frame
from tests.api.conftest import World
from tests.api.test_thread_hops import Hops, hops  # noqa: F401 (the fixture)

TEXTS = ["hello", " world", "", 'a "quoted"\nline\r\nbreak', "ünïcödé ✓", "\\", "{}"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_token_frame_is_the_event_litestar_framed(text: str) -> None:
    legacy = ServerSentEventMessage(event="token",
                                    data=msgspec.json.encode({"text": text}).decode())
    assert token_frame(text) == legacy.encode()


def test_final_frames_are_the_events_litestar_framed() -> None:
    value = {"sessionId": "s1", "message": "line one\nline two", "n": 3}
    legacy = ServerSentEventMessage(event="done", data=msgspec.json.encode(value).decode())
    assert event_frame("done", value) == legacy.encode()


def test_a_streamed_answer_is_merged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    merges: list[int] = []
    add = AIMessageChunk.__add__

    def counting(self: AIMessageChunk, other: Any) -> Any:
        merges.append(1)
        return add(self, other)

    monkeypatch.setattr(AIMessageChunk, "__add__", counting)
    tokens: list[str] = []
    answer = call_model(OfflineChatModel(), [HumanMessage("What are your opening hours?")],
                        timeout=5.0, on_token=tokens.append)
    assert len(tokens) > 5
    assert answer.content == "".join(tokens)
    assert len(merges) <= 2  # ours, and LangChain's own for its end-of-run callbacks


def test_a_streamed_turn_takes_one_thread_hop(
        world: World, hops: Hops) -> None:  # noqa: F811
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    r = world.client.post("/v1/chat", headers=headers, json={"message": "hello"})
    assert r.status_code == 200, r.text
    session = r.json()["sessionId"]
    counts = []
    for _ in range(3):  # the key is cached for a second: one of these runs within it
        hops.count = 0
        r = world.client.post(f"/v1/sessions/{session}/messages",
                              headers={**headers, "Accept": "text/event-stream"},
                              json={"message": "What are your opening hours?"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-cache"
        assert r.text.count("event: token\r\n") > 5
        assert r.text.endswith("\r\n\r\n")
        assert "event: done\r\n" in r.text
        counts.append(hops.count)
    assert min(counts) == 1  # the checks and the turn in one worker


def test_a_streamed_turn_refused_by_its_checks_is_a_problem_detail(world: World) -> None:
    """Refused before anything is streamed: the same problem detail as the JSON route."""
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    other = world.beta.ids["session"]  # another tenant's session looks absent
    for path in ("/v1/sessions/01AAAAAAAAAAAAAAAAAAAAAAAA/messages",
                 f"/v1/sessions/{other}/messages"):
        plain = world.client.post(path, headers=headers, json={"message": "x"})
        streamed = world.client.post(path, headers={**headers, "Accept": "text/event-stream"},
                                     json={"message": "x"})
        assert streamed.status_code == plain.status_code == 404
        assert streamed.headers["content-type"].startswith("application/problem+json")
        assert "event:" not in streamed.text
        drop = ("requestId",)
        assert ({k: v for k, v in streamed.json().items() if k not in drop}
                == {k: v for k, v in plain.json().items() if k not in drop})


def test_the_checks_and_the_turn_run_in_the_requests_context(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Their log lines carry the request's id and tenant, as in a sync handler's thread."""
    seen: dict[str, dict[str, Any]] = {}
    prepare, run_turn = chat_service.prepare, chat_service.run_turn

    def recording(name: str, call: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            seen[name] = structlog.contextvars.get_contextvars()
            return call(*args, **kwargs)
        return recorded

    monkeypatch.setattr(chat_service, "prepare", recording("prepare", prepare))
    monkeypatch.setattr(chat_service, "run_turn", recording("run_turn", run_turn))
    r = world.stream_turn()
    assert "event: done\r\n" in r.text
    for name in ("prepare", "run_turn"):
        assert seen[name]["client_id"] == "alpha", name
        assert seen[name]["request_id"], name


def test_the_done_event_ends_the_body(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last event goes out with the end of the response (one message, one write), never
    as a chunk of its own followed by an empty end."""
    sent: list[dict[str, Any]] = []
    send_body = framed_stream._ListeningResponse.send_body

    async def recording(self: Any, send: Any, receive: Any) -> None:
        async def record(message: Any) -> None:
            sent.append(dict(message))
            await send(message)
        await send_body(self, record, receive)

    monkeypatch.setattr(framed_stream._ListeningResponse, "send_body", recording)
    r = world.stream_turn()
    *chunks, last = sent
    assert all(m["more_body"] for m in chunks)
    assert last["more_body"] is False
    assert last["body"].startswith(b"event: done\r\n") or b"\r\n\r\nevent: done\r\n" in last["body"]
    assert b"".join(m["body"] for m in sent) == r.content
