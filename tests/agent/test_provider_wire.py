"""The OpenAI-compatible provider against ``ChatOpenAI`` on the same loopback server: the
same request JSON for the same messages, tools and settings, the same answers read back,
and the same errors, retries and timeouts through ``call_model``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from openbrain.agent.providers.openai_compat import OpenAICompatChatModel
from openbrain.agent.tools import default_registry
from openbrain.agent.upstream import call_model
from openbrain.domain import UpstreamError, UpstreamTimeoutError
from tests.agent.fake_llm import Calls, FakeLLM, Hang, Malformed, Status, Step, Text, serving

TOOLS = [t.openai_spec() for t in default_registry().select(
    ["capture_lead", "update_lead", "calculator"])]

WINDOW: list[BaseMessage] = [
    SystemMessage("You help people. Ünïcode too."),
    HumanMessage("I'm Jane Doe, jane@example.com"),
    AIMessage(content="", tool_calls=[
        {"name": "capture_lead", "args": {"full_name": "Jane Doe", "email": "jane@example.com"},
         "id": "call_a"},
        {"name": "calculator", "args": {"expression": "6 * 7 — ok"}, "id": "call_b"}]),
    ToolMessage(content="saved", tool_call_id="call_a", name="capture_lead"),
    ToolMessage(content="42", tool_call_id="call_b", name="calculator"),
    AIMessage(content="Thanks Jane."),
    HumanMessage("and 2+2?"),
]

Build = Callable[[str], BaseChatModel]


def _theirs(temperature: float | None, max_tokens: int | None) -> Build:
    return lambda url: ChatOpenAI(
        model="test-model", temperature=temperature, max_tokens=max_tokens,  # type: ignore[call-arg]
        timeout=5.0, max_retries=0, api_key=SecretStr("k"), base_url=url, stream_usage=True)


def _ours(temperature: float | None, max_tokens: int | None) -> Build:
    return lambda url: OpenAICompatChatModel(
        model_name="test-model", temperature=temperature, max_tokens=max_tokens, timeout=5.0,
        api_key=SecretStr("k"), base_url=url)


def _run(
    build: Build, step: Step, messages: list[BaseMessage], *, stream: bool, tools: bool
) -> tuple[dict[str, Any], AIMessage]:
    fake = FakeLLM().then(step)
    with serving(fake):
        model = build(fake.url)
        runnable = model.bind_tools(TOOLS) if tools else model
        if stream:
            total: AIMessageChunk | None = None
            for chunk in runnable.stream(messages, timeout=5.0):
                assert isinstance(chunk, AIMessageChunk)
                total = chunk if total is None else total + chunk
            assert total is not None
            answer: AIMessage = total
        else:
            reply = runnable.invoke(messages, timeout=5.0)
            assert isinstance(reply, AIMessage)
            answer = reply
    assert len(fake.requests) == 1
    return fake.requests[0], answer


def _read(answer: AIMessage) -> tuple[Any, ...]:
    return (answer.text, [(c["name"], c["args"], c["id"]) for c in answer.tool_calls],
            [(c["name"], c["args"], c["id"]) for c in answer.invalid_tool_calls],
            answer.usage_metadata and {k: answer.usage_metadata[k]
                                       for k in ("input_tokens", "output_tokens", "total_tokens")},
            answer.response_metadata.get("finish_reason"))


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("tools", [True, False], ids=["tools", "no-tools"])
@pytest.mark.parametrize(("temperature", "max_tokens"), [(0.3, 512), (None, None), (0.0, 1)])
@pytest.mark.parametrize("step", [
    Text("Two and two make four."),
    Calls([("calculator", {"expression": "2+2"}), ("update_lead", {"phone": "+1 555 0100"})]),
], ids=["text", "calls"])
def test_same_request_and_same_answer_as_chatopenai(
    stream: bool, tools: bool, temperature: float | None, max_tokens: int | None, step: Step,
) -> None:
    sent_theirs, theirs = _run(_theirs(temperature, max_tokens), step, WINDOW, stream=stream,
                               tools=tools)
    sent_ours, ours = _run(_ours(temperature, max_tokens), step, WINDOW, stream=stream,
                           tools=tools)
    assert sent_ours == sent_theirs
    assert list(sent_ours) == list(sent_theirs)  # the same keys in the same order
    assert _read(ours) == _read(theirs)


class _Visitor(HumanMessage):
    """A subclass: the general way, not the exact-class one."""


NAMED: list[BaseMessage] = [
    SystemMessage("You help people.", name="shop"),
    SystemMessage("Be brief.", additional_kwargs={"__openai_role__": "developer"}),
    HumanMessage("Hi, I'm Jane", name="jane"),
    AIMessage(content="Hello Jane, I'm the operator.", name="human_agent"),
    AIMessage(content=""),
    _Visitor("and 2+2?"),
    AIMessage(content="Four.", name="bot"),
    HumanMessage(""),
    HumanMessage("no name", name=""),
    AIMessage(content="named aside", additional_kwargs={"name": "aside"}),
]


def test_named_and_plain_messages_as_chatopenai_sends_them() -> None:
    """Names, an operator's answer, an empty answer, a subclass: the same JSON, key for key."""
    sent_theirs, _ = _run(_theirs(None, None), Text("ok"), NAMED, stream=False, tools=False)
    sent_ours, _ = _run(_ours(None, None), Text("ok"), NAMED, stream=False, tools=False)

    assert sent_ours["messages"] == sent_theirs["messages"]
    assert [list(m) for m in sent_ours["messages"]] == [list(m) for m in sent_theirs["messages"]]
    assert sent_ours == sent_theirs


def test_a_body_built_from_the_template_changes_only_its_messages() -> None:
    """The second call of a binding reuses the encoded settings and tools (not rebuilt)."""
    fake = FakeLLM()
    with serving(fake):
        model = _ours(0.5, 64)(fake.url)
        assert isinstance(model, OpenAICompatChatModel)
        bound = model.bind_tools(TOOLS)
        bound.invoke(WINDOW[:2])
        bound.invoke(WINDOW)
    first, second = fake.requests
    assert first["messages"] == [{"content": WINDOW[0].content, "role": "system"},
                                 {"content": WINDOW[1].content, "role": "user"}]
    assert {k: v for k, v in first.items() if k != "messages"} == {
        k: v for k, v in second.items() if k != "messages"}
    assert len(model._templates) == 1


def test_malformed_tool_arguments_become_invalid_calls_as_with_chatopenai() -> None:
    body = ('{"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": '
            '"assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", '
            '"function": {"name": "calculator", "arguments": "{not json"}}]}}]}')

    _, theirs = _run(_theirs(None, None), Malformed(body), WINDOW[:2], stream=False, tools=True)
    _, ours = _run(_ours(None, None), Malformed(body), WINDOW[:2], stream=False, tools=True)
    assert theirs.tool_calls == ours.tool_calls == []
    assert [(c["name"], c["args"], c["id"]) for c in ours.invalid_tool_calls] == [
        (c["name"], c["args"], c["id"]) for c in theirs.invalid_tool_calls]


FAILURES = [
    pytest.param(Status(500), UpstreamError, "HTTP 500", id="http-500"),
    pytest.param(Status(429, '{"error": {"message": "slow down"}}'), UpstreamError,
                 "rate limiting requests", id="http-429"),
    pytest.param(Status(401, '{"error": {"message": "bad key sk-secret"}}'), UpstreamError,
                 "HTTP 401", id="http-401"),
    pytest.param(Malformed(), UpstreamError, "malformed", id="malformed-json"),
    pytest.param(Malformed("<html>bad gateway</html>"), UpstreamError, "malformed",
                 id="not-json"),
    pytest.param(Hang(2.0), UpstreamTimeoutError, "did not answer within 0.5 s", id="hang"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(("step", "error", "words"), FAILURES)
def test_the_same_error_as_chatopenai(
    step: Step, error: type[Exception], words: str, stream: bool
) -> None:
    messages = []
    for build in (_theirs(None, None), _ours(None, None)):
        with serving(FakeLLM().then(step)) as fake, pytest.raises(error, match=words) as info:
            call_model(build(fake.url).bind_tools(TOOLS), list(WINDOW[:2]), timeout=0.5,
                       on_token=(lambda _t: None) if stream else None)
        assert type(info.value) is error
        assert "sk-secret" not in str(info.value)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_429_is_retried_after_the_wait_it_asked_for(stream: bool) -> None:
    asked = Status(429, '{"error": {"message": "slow down"}}', (("Retry-After", "1"),))
    with serving(FakeLLM().then(asked, Text("After the wait."))) as fake:
        started = time.monotonic()
        answer = call_model(_ours(None, None)(fake.url), list(WINDOW[:2]), timeout=5.0,
                            on_token=(lambda _t: None) if stream else None,
                            deadline=time.monotonic() + 10.0, retries=1)
        elapsed = time.monotonic() - started
    assert answer.text == "After the wait."
    assert len(fake.requests) == 2
    assert 1.0 <= elapsed < 5.0


def test_a_retry_never_goes_past_the_deadline() -> None:
    asked = Status(503, headers=(("Retry-After", "30"),))
    with serving(FakeLLM().then(asked, Text("too late"))) as fake:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match="HTTP 503"):
            call_model(_ours(None, None)(fake.url), list(WINDOW[:2]), timeout=5.0,
                       deadline=time.monotonic() + 2.0, retries=3)
        assert time.monotonic() - started < 1.0
    assert len(fake.requests) == 1

