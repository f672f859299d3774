"""The window's LangChain messages, built without pydantic validation, equal the validated
ones field for field (values, fields-set, extra and private state) for every stored role."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages import ToolCall as LCToolCall

from openbrain.agent.messages import prompt, system_message, to_langchain
from openbrain.domain import utcnow
from openbrain.domain.session import Message, ToolCall

NOW = utcnow()


def _stored(role: Any, content: str, **fields: Any) -> Message:
    return Message(client_id="acme", session_id="s1", seq=0, role=role, content=content,
                   created_at=NOW, **fields)


def _validated(message: Message) -> BaseMessage:
    """What ``to_langchain`` built before: the validating constructors."""
    if message.role == "user":
        return HumanMessage(content=message.content)
    if message.role == "assistant":
        return AIMessage(content=message.content, tool_calls=[
            LCToolCall(name=c.name, args=c.args, id=c.id) for c in message.tool_calls])
    if message.role == "human_agent":
        return AIMessage(content=message.content, name="human_agent")
    if message.role == "tool":
        return ToolMessage(content=message.content, tool_call_id=message.tool_call_id or "",
                           name=message.name)
    return SystemMessage(content=message.content)


def _state(message: BaseMessage) -> tuple[Any, ...]:
    return (type(message), message.__dict__, message.model_fields_set,
            message.__pydantic_extra__, message.__pydantic_private__)


STORED = [
    _stored("user", "Hello, I'm Ann — ann@example.com"),
    _stored("user", ""),
    _stored("assistant", "Sure."),
    _stored("assistant", "", tool_calls=[
        ToolCall(id="call_1", name="capture_lead", args={"full_name": "Ann", "n": [1, 2]}),
        ToolCall(id="call_2", name="calculator", args={})]),
    _stored("human_agent", "A person here: how can I help?", operator="op-1"),
    _stored("tool", "lead saved", tool_call_id="call_1", name="capture_lead"),
    _stored("tool", "Error: no such tool"),
    _stored("system", "Summary so far: Ann wants a quote."),
]


@pytest.mark.parametrize("message", STORED, ids=lambda m: f"{m.role}-{len(m.content)}")
def test_each_role_equals_the_validated_message(message: Message) -> None:
    built, validated = to_langchain(message), _validated(message)

    assert _state(built) == _state(validated)
    assert built == validated
    assert built.model_dump() == validated.model_dump()
    assert repr(built) == repr(validated)


def test_the_system_message_equals_the_validated_one() -> None:
    assert _state(system_message("You help.")) == _state(SystemMessage(content="You help."))


def test_containers_are_never_shared() -> None:
    """Each message gets its own defaults and its own copy of a call's arguments, as
    validation gives: changing one message changes nothing else."""
    stored = STORED[3]
    first, second = to_langchain(stored), to_langchain(stored)
    assert isinstance(first, AIMessage)
    assert isinstance(second, AIMessage)
    first.additional_kwargs["x"] = 1
    first.response_metadata["y"] = 2
    first.tool_calls[0]["args"]["full_name"] = "Bob"
    first.invalid_tool_calls.append({"type": "invalid_tool_call", "name": "n", "args": "",
                                     "id": "i", "error": None})

    assert second.additional_kwargs == {}
    assert second.response_metadata == {}
    assert second.invalid_tool_calls == []
    assert second.tool_calls[0]["args"]["full_name"] == "Ann"
    assert stored.tool_calls[0].args["full_name"] == "Ann"
    assert first.model_fields_set == {"content", "tool_calls"}
    first.model_fields_set.add("id")  # the fields-set is per message too
    assert second.model_fields_set == {"content", "tool_calls"}


def test_the_prompt_is_the_system_message_then_the_window() -> None:
    messages = prompt("You help.", STORED[5:6] + STORED[:4])  # starts inside a tool exchange

    assert [_state(m) for m in messages] == [
        _state(SystemMessage(content="You help.")), *(_state(_validated(m)) for m in STORED[:4])]


def test_no_message_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deterministic property the speed comes from: building the window never runs a
    message's validating constructor."""

    def refuse(self: BaseMessage, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{type(self).__name__} validated")

    monkeypatch.setattr(BaseMessage, "__init__", refuse)
    for cls in (AIMessage, HumanMessage, SystemMessage, ToolMessage):
        monkeypatch.setattr(cls, "__init__", refuse)

    assert len(prompt("You help.", STORED)) == len(STORED) + 1
