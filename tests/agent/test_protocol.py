"""The ChatMessage protocol and the profile's limits, as the executor applies them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta

import msgspec
import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.agent.prompts import ITERATION_LIMIT_REPLY
from openbrain.agent.tools import Tool, ToolArgs, ToolContext, ToolResult, default_registry
from openbrain.domain import (
    ChatMessage,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UpstreamError,
    utcnow,
)
from openbrain.settings import Settings
from openbrain.store import TenantStore
from openbrain.store.driver import WriteOp
from tests.agent.conftest import CountingDriver, RecordingPublisher, run_threads, save_profile
from tests.agent.fake_llm import Calls, FakeLLM, Status, Text


def test_reset_answers_with_the_ice_breaker(online: TurnExecutor, store: TenantStore,
                                            llm: FakeLLM) -> None:
    save_profile(store)

    reply = online.chat(store, ChatMessage(reset=True), origin="https://shop.example")

    assert reply.message == "Hi! How can I help?"
    assert reply.profile_version == 1
    assert llm.requests == []  # no model call for a greeting
    session = store.sessions.require(reply.session_id)
    assert (session.version, session.message_count, session.origin) == (
        1, 1, "https://shop.example")
    assert session.expires_at is not None
    assert session.expires_at - session.updated_at == timedelta(days=90)


def test_reset_always_starts_a_new_session(offline: TurnExecutor, store: TenantStore) -> None:
    save_profile(store)
    first = offline.chat(store, ChatMessage(reset=True))
    again = offline.chat(store, ChatMessage(reset=True, session_id=first.session_id))
    unknown = offline.chat(store, ChatMessage(reset=True, session_id="no-such-session"))
    assert len({first.session_id, again.session_id, unknown.session_id}) == 3


def test_allowed_override_is_applied(online: TurnExecutor, store: TenantStore,
                                     llm: FakeLLM) -> None:
    save_profile(store, overridable=["systemMessage", "iceBreaker"])

    reply = online.chat(store, ChatMessage(
        reset=True, message="hello",
        agent_config_overrides={"systemMessage": "Be terse.", "iceBreaker": "Yo."},
    ))

    assert llm.last_messages[0] == {"role": "system", "content": "Be terse."}
    session = store.sessions.require(reply.session_id)
    assert session.config.ice_breaker == "Yo."
    assert store.configs.require("default").system_message == "You help people."


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"model": "gpt-4o"}, "does not allow overriding 'model'"),
        ({"noSuchField": 1}, "'noSuchField' is not a profile setting"),
        ({"systemMessage": 7}, "systemMessage must be text, not a whole number"),
    ],
)
def test_refused_override_writes_nothing(
    offline: TurnExecutor, store: TenantStore, driver: CountingDriver,
    overrides: dict[str, object], words: str,
) -> None:
    save_profile(store, overridable=["systemMessage"])
    driver.reset()
    with pytest.raises(InvalidError, match=words):
        offline.chat(store, ChatMessage(reset=True, agent_config_overrides=overrides))
    assert driver.calls["transact"] == 0
    assert store.sessions.list()[0] == []


def test_unknown_profile_and_session(offline: TurnExecutor, store: TenantStore) -> None:
    with pytest.raises(NotFoundError, match="agent profile 'nope'"):
        offline.chat(store, ChatMessage(reset=True, agent_config="nope"))
    with pytest.raises(NotFoundError, match="agent profile 'default'"):
        offline.chat(store, ChatMessage(message="hi"))
    with pytest.raises(NotFoundError, match="session 'missing'"):
        offline.chat(store, ChatMessage(session_id="missing", message="hi"))


def test_continuing_needs_a_message_and_no_overrides(offline: TurnExecutor,
                                                     store: TenantStore) -> None:
    save_profile(store, overridable=["systemMessage"])
    session_id = offline.chat(store, ChatMessage(reset=True)).session_id
    with pytest.raises(InvalidError, match="message is required"):
        offline.chat(store, ChatMessage(session_id=session_id))
    with pytest.raises(InvalidError, match="reset: true"):
        offline.chat(store, ChatMessage(session_id=session_id, message="x",
                                        agent_config_overrides={"systemMessage": "x"}))
    with pytest.raises(InvalidError, match="runs profile 'default'"):
        offline.chat(store, ChatMessage(session_id=session_id, message="x", agent_config="other"))
    with pytest.raises(ForbiddenError):
        offline.chat(store, ChatMessage(reset=True, client_id="other-tenant"))


def test_expired_session_is_not_found(offline_settings: Settings, store: TenantStore) -> None:
    moments = iter([utcnow() - timedelta(days=91), utcnow()])
    executor = TurnExecutor(settings=offline_settings, clock=lambda: next(moments))
    save_profile(store)
    session_id = executor.chat(store, ChatMessage(reset=True)).session_id
    with pytest.raises(NotFoundError, match="expired"):
        executor.chat(store, ChatMessage(session_id=session_id, message="hi"))


def test_max_iterations_ends_with_a_clear_answer(online: TurnExecutor, store: TenantStore,
                                                 llm: FakeLLM) -> None:
    save_profile(store, max_iterations=3)
    llm.default = Calls([("calculator", {"expression": "1 + 1"})])  # never stops asking
    tokens: list[str] = []

    reply = online.chat(store, ChatMessage(reset=True, message="loop"), on_token=tokens.append)

    assert reply.message == ITERATION_LIMIT_REPLY == "".join(tokens)
    assert len(llm.requests) == 3
    messages, _ = store.sessions.transcript(reply.session_id)
    assert [m.role for m in messages].count("tool") == 3
    assert messages[-1].content == ITERATION_LIMIT_REPLY


def test_max_tokens_reaches_the_model(online: TurnExecutor, store: TenantStore,
                                      llm: FakeLLM) -> None:
    save_profile(store, max_tokens=77, temperature=0.5)
    online.chat(store, ChatMessage(reset=True, message="hi"))
    request = llm.requests[0]
    assert request["max_completion_tokens"] == 77
    assert request["temperature"] == 0.5


def test_turn_reads_only_the_memory_window(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM, driver: CountingDriver
) -> None:
    save_profile(store, memory_window=4)
    session_id = online.chat(store, ChatMessage(reset=True)).session_id
    counts = []
    for i in range(12):
        driver.reset()
        online.chat(store, ChatMessage(session_id=session_id, message=f"message {i}"))
        counts.append((dict(driver.calls), list(driver.query_limits), driver.items_read))

    assert all(c[0] == counts[-1][0] for c in counts)  # turn 1 calls what turn 12 calls
    assert counts[3:] == [counts[-1]] * 9  # and once the window is full, reads as much
    calls, limits, items = counts[-1]
    # one query reads the session and its window: at most the session, one item to spare
    # (a window that starts inside a turn's item) and the two items of two turns
    assert calls == {"query_range": 1, "transact": 1, "increment": 1}
    assert limits == [4]
    assert items == 4
    # system + the last 4 stored messages + the new user message
    sent = llm.last_messages
    assert len(sent) == 6
    assert sent[-1]["content"] == "message 11"
    assert sent[1]["content"] == "message 9"


def test_a_session_already_read_is_not_read_again(
    offline: TurnExecutor, store: TenantStore, driver: CountingDriver
) -> None:
    save_profile(store)
    session_id = offline.chat(store, ChatMessage(reset=True)).session_id
    session = store.sessions.for_turn(session_id)
    driver.reset()
    reply = offline.chat(store, ChatMessage(session_id=session_id, message="hello"),
                         session=session)
    assert reply.session_id == session_id
    assert dict(driver.calls) == {"transact": 1, "increment": 1}
    # the same errors as without it, in the same order
    with pytest.raises(InvalidError, match="message is required"):
        offline.chat(store, ChatMessage(session_id=session_id), session=session)
    with pytest.raises(ValueError, match="does not match"):
        offline.chat(store, ChatMessage(session_id="other", message="hi"), session=session)

def test_tool_error_goes_back_to_the_model(online: TurnExecutor, store: TenantStore,
                                           llm: FakeLLM) -> None:
    save_profile(store, record_tool_actions=True)
    llm.then(
        Calls([("calculator", {"expression": "__import__('os').system('id')"}),
               ("update_lead", {"phone": "555-0100"}),
               ("calculator", {"expr": "1"}),
               ("no_such_tool", {})]),
        Text("Sorry about that."),
    )

    reply = online.chat(store, ChatMessage(reset=True, message="hack"))

    assert reply.message == "Sorry about that."
    observations = [m["content"] for m in llm.last_messages if m["role"] == "tool"]
    assert observations[0] == "Error: unsupported expression element: Call"
    assert "no lead has been captured" in observations[1]
    assert observations[2].startswith("Error: invalid arguments for calculator")
    assert "no tool named 'no_such_tool'" in observations[3]
    actions = store.sessions.tool_actions(reply.session_id)
    assert sorted(a.tool for a in actions) == [
        "calculator", "calculator", "no_such_tool", "update_lead"]
    assert all(a.error and a.output is None for a in actions)


def test_record_tool_actions(online: TurnExecutor, store: TenantStore, llm: FakeLLM) -> None:
    save_profile(store, record_tool_actions=True)
    llm.then(Calls([("calculator", {"expression": "2 ** 10"})]), Text("1024."))

    reply = online.chat(store, ChatMessage(reset=True, message="2^10"))

    [action] = store.sessions.tool_actions(reply.session_id)
    assert (action.tool, action.args, action.output, action.error) == (
        "calculator", {"expression": "2 ** 10"}, "1024", None)


def test_without_record_tool_actions_nothing_is_recorded(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM
) -> None:
    save_profile(store)
    llm.then(Calls([("calculator", {"expression": "1"})]), Text("1."))
    reply = online.chat(store, ChatMessage(reset=True, message="1"))
    assert store.sessions.tool_actions(reply.session_id) == []


def test_concurrent_turns_one_conflict(
    offline: TurnExecutor, store: TenantStore, driver: CountingDriver
) -> None:
    save_profile(store, model="offline")
    session_id = offline.chat(store, ChatMessage(reset=True)).session_id
    barrier = threading.Barrier(2, timeout=5)

    def both_read_before_either_commits(ops: Sequence[WriteOp]) -> None:
        barrier.wait()

    driver.before_transact = both_read_before_either_commits
    outcomes: list[object] = []

    def turn(text: str) -> None:
        try:
            outcomes.append(offline.chat(store, ChatMessage(session_id=session_id, message=text)))
        except ConflictError as exc:
            outcomes.append(exc)

    run_threads(lambda: turn("first"), lambda: turn("second"))

    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(outcomes) == 2
    assert len(conflicts) == 1
    session = store.sessions.require(session_id)
    assert session.version == 2
    assert session.turn_count == 1
    messages, _ = store.sessions.transcript(session_id)
    assert len(messages) == session.message_count == 3


def test_publisher_failure_does_not_fail_the_turn(
    offline_settings: Settings, store: TenantStore
) -> None:
    executor = TurnExecutor(settings=offline_settings, publisher=RecordingPublisher(fail=True))
    save_profile(store, model="offline")

    reply = executor.chat(store, ChatMessage(reset=True, message="I am Jo Park, jo@example.com"))

    assert reply.events == ["lead.created"]
    assert [e.detail_type for e in store.outbox.pending()] == ["lead.created"]


def test_reply_round_trips_as_json(offline: TurnExecutor, store: TenantStore) -> None:
    save_profile(store, model="offline")
    reply = offline.chat(store, ChatMessage(reset=True, message="I am Jo Park, 555-0123"))
    wire = msgspec.json.decode(msgspec.json.encode(reply))
    assert wire["lead"]["phone"] == "555-0123"
    assert wire["events"] == ["lead.created"]


def test_a_crashing_tool_becomes_an_observation(
    online_settings: Settings, store: TenantStore, llm: FakeLLM
) -> None:
    def explode(args: ToolArgs, ctx: ToolContext) -> ToolResult:
        raise RuntimeError("secret detail")

    registry = default_registry()
    registry.register(Tool(name="explode", description="Fails.", args=ToolArgs, run=explode))
    executor = TurnExecutor(settings=online_settings, tools=registry)
    save_profile(store, tools=["explode"])
    llm.then(Calls([("explode", {})]), Text("That did not work."))

    reply = executor.chat(store, ChatMessage(reset=True, message="go"))

    assert reply.message == "That did not work."
    observation = llm.last_messages[-1]["content"]
    assert observation == "Error: the tool explode failed unexpectedly"


def test_new_session_with_failing_llm_creates_nothing(
    online: TurnExecutor, store: TenantStore, llm: FakeLLM
) -> None:
    save_profile(store)
    llm.then(Status(503))
    with pytest.raises(UpstreamError, match="HTTP 503"):
        online.chat(store, ChatMessage(reset=True, message="hello"))
    assert store.sessions.list()[0] == []
