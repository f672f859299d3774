"""The executor through langchain-openai against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.domain import ChatMessage, UpstreamError, UpstreamTimeoutError
from openbrain.settings import Settings
from openbrain.store import TenantStore
from tests.agent.conftest import RecordingPublisher, save_profile, snapshot
from tests.agent.fake_llm import Calls, FakeLLM, Hang, Malformed, Status, Text


def _start(executor: TurnExecutor, store: TenantStore) -> str:
    return executor.chat(store, ChatMessage(reset=True)).session_id


def test_tool_call_round_trip(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM, publisher: RecordingPublisher
) -> None:
    save_profile(store)
    session_id = _start(online, store)
    llm.then(
        Calls([("capture_lead", {"full_name": "Jane Doe", "email": "jane@example.com"})]),
        Text("Thanks Jane, you're on our list."),
    )

    reply = online.chat(store, ChatMessage(session_id=session_id, message="I'm Jane Doe"))

    assert reply.message == "Thanks Jane, you're on our list."
    assert reply.lead is not None
    assert reply.lead.email == "jane@example.com"
    assert reply.events == ["lead.created"]
    # The second request carried the tool's observation back to the model.
    tool_message = llm.last_messages[-1]
    assert tool_message["role"] == "tool"
    assert "saved" in tool_message["content"]
    assert llm.requests[0]["tools"][0]["function"]["name"] == "capture_lead"
    # Committed: lead, outbox event (then handed to the publisher), messages, usage.
    lead = store.leads.require(reply.lead.lead_id)
    assert lead.full_name == "Jane Doe"
    assert lead.first_name == "Jane"
    events, _ = store.outbox.list()
    assert [e.detail_type for e in events] == ["lead.created"]
    assert events[0].object["email"] == "jane@example.com"
    assert [e.event_id for e in publisher.published] == [events[0].event_id]
    messages, _ = store.sessions.transcript(session_id)
    assert [m.role for m in messages] == ["assistant", "user", "assistant", "tool", "assistant"]
    assert messages[2].tool_calls[0].name == "capture_lead"
    session = store.sessions.require(session_id)
    assert (session.version, session.turn_count, session.lead_id) == (2, 1, lead.lead_id)
    usage = store.usage.list()
    assert usage[0].turns == 1
    assert usage[0].input_tokens == 22


def test_streaming_delivers_tokens_in_order(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM
) -> None:
    save_profile(store)
    session_id = _start(online, store)
    llm.then(
        Calls([("calculator", {"expression": "6 * 7"})]),
        Text("Six times seven is 42, as the calculator says."),
    )
    tokens: list[str] = []

    reply = online.chat(
        store, ChatMessage(session_id=session_id, message="6*7?"), on_token=tokens.append
    )

    assert len(tokens) > 5
    assert "".join(tokens) == reply.message == "Six times seven is 42, as the calculator says."
    assert all(r.get("stream") for r in llm.requests)
    assert llm.last_messages[-1]["content"] == "42"  # tool args assembled from SSE fragments
    assert reply.output_tokens == 14  # usage from the stream's final chunk


def test_new_session_with_message_answers_in_one_commit(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM
) -> None:
    save_profile(store)
    llm.then(Text("Hello Bob."))

    reply = online.chat(store, ChatMessage(reset=True, message="hi"))

    assert reply.message == "Hello Bob."
    session = store.sessions.require(reply.session_id)
    assert session.version == 1
    assert session.message_count == 3
    sent = [m["role"] for m in llm.last_messages]
    assert sent == ["system", "assistant", "user"]  # the ice breaker is part of the history


def test_context_reaches_tools_but_not_the_model(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM
) -> None:
    save_profile(store)
    session_id = _start(online, store)
    llm.then(Calls([("capture_lead", {"full_name": "Ann Lee"})]), Text("Saved."))

    reply = online.chat(
        store,
        ChatMessage(
            session_id=session_id, message="I'm Ann Lee",
            context={"email": "known@example.com", "crmId": "zebra-42"},
        ),
    )

    assert reply.lead is not None
    assert reply.lead.email == "known@example.com"
    sent = json.dumps(llm.requests)
    assert "known@example.com" not in sent
    assert "zebra-42" not in sent


FAILURES = [
    pytest.param(Status(500), UpstreamError, "HTTP 500", id="http-500"),
    pytest.param(Status(429, '{"error": {"message": "slow down"}}'), UpstreamError, "429",
                 id="http-429"),
    pytest.param(Malformed(), UpstreamError, "malformed", id="malformed-json"),
    pytest.param(Malformed("<html>bad gateway</html>"), UpstreamError, "malformed",
                 id="not-json"),
    pytest.param(Hang(), UpstreamTimeoutError, "did not answer", id="hang"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(("step", "error", "words"), FAILURES)
def test_llm_failure_changes_nothing(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM, publisher: RecordingPublisher,
    step: Status | Malformed | Hang, error: type[Exception], words: str, stream: bool,
) -> None:
    save_profile(store, max_execution_time=1.0)
    session_id = _start(online, store)
    # A first tool call succeeds (capture_lead), then the LLM fails: nothing may be kept.
    llm.then(Calls([("capture_lead", {"full_name": "Jane Doe"})]), step)
    before = snapshot(store, session_id)
    started = time.monotonic()

    with pytest.raises(error, match=words) as info:
        online.chat(
            store, ChatMessage(session_id=session_id, message="I'm Jane Doe"),
            on_token=(lambda _t: None) if stream else None,
        )

    assert time.monotonic() - started < 4
    assert type(info.value) is error
    assert snapshot(store, session_id) == before
    assert publisher.published == []
    assert store.usage.list() == []


def test_unconfigured_endpoint_falls_back_to_offline_and_says_so(
    offline: TurnExecutor, store: TenantStore
) -> None:
    save_profile(store, model="gpt-4o-mini")

    tokens: list[str] = []
    first = offline.chat(store, ChatMessage(reset=True), on_token=tokens.append)
    later = offline.chat(store, ChatMessage(session_id=first.session_id, message="hello"))

    # Told to the operator (CLI, dashboard) beside the reply; never to the visitor.
    assert first.notice is not None
    assert first.notice.startswith("Offline mode")
    assert "gpt-4o-mini" in first.notice
    assert first.message == "Hi! How can I help?"
    assert "".join(tokens) == "Hi! How can I help?"
    assert later.notice is None
    assert "Offline mode" not in later.message
    stored, _ = store.sessions.transcript(first.session_id)
    assert [m.content for m in stored if "Offline mode" in m.content] == []


def test_retries_stay_within_the_turns_time(
    online_settings: Settings, store: TenantStore, llm: FakeLLM, publisher: RecordingPublisher,
) -> None:
    """A hanging LLM with a retry allowed: the turn ends within maxExecutionTime + 1 s (the
    probe saw 120.8 s, the client's own retry waiting a whole timeout again)."""
    executor = TurnExecutor(settings=replace(online_settings, llm_max_retries=1),
                            publisher=publisher)
    save_profile(store, max_execution_time=1.0)
    session_id = _start(executor, store)
    llm.then(Hang(), Hang())
    started = time.monotonic()
    with pytest.raises(UpstreamTimeoutError):
        executor.chat(store, ChatMessage(session_id=session_id, message="hi"))
    assert time.monotonic() - started < 1.0 + 1.0


def test_a_failed_request_is_retried_within_the_turns_time(
    online_settings: Settings, store: TenantStore, llm: FakeLLM, publisher: RecordingPublisher,
) -> None:
    executor = TurnExecutor(settings=replace(online_settings, llm_max_retries=1),
                            publisher=publisher)
    save_profile(store, max_execution_time=10.0)
    session_id = _start(executor, store)
    llm.then(Status(503), Text("Back again."))
    reply = executor.chat(store, ChatMessage(session_id=session_id, message="hi"))
    assert reply.message == "Back again."
