"""OpenAI chat-completions on the wire: LangChain messages → request JSON, reply JSON →
structs, both with msgspec. Field for field what ``langchain-openai`` sends and reads for
plain-text messages and function tools (tests/agent/test_provider_wire.py compares them).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

UNSET = msgspec.UNSET


class _Function(msgspec.Struct):
    name: str
    arguments: str


class _OutToolCall(msgspec.Struct):
    id: str | None
    function: _Function
    type: str = "function"


class _OutMessage(msgspec.Struct, omit_defaults=True, kw_only=True):
    # In langchain-openai's order: ``content`` first and always present (null beside tool
    # calls), then ``name`` when there is one, ``role``, the calls or the call answered.
    content: Any
    name: str | msgspec.UnsetType = UNSET
    role: str
    tool_calls: list[_OutToolCall] | msgspec.UnsetType = UNSET
    tool_call_id: str | msgspec.UnsetType = UNSET


def _tool_call(call: dict[str, Any]) -> _OutToolCall:
    # json.dumps, not msgspec: the arguments string must be the SDK's byte for byte.
    arguments = json.dumps(call["args"], ensure_ascii=False)
    return _OutToolCall(id=call.get("id"), function=_Function(call["name"], arguments))


def out_message(message: BaseMessage) -> _OutMessage:
    """One message as the endpoint wants it (a tool result carries no ``name``)."""
    content = message.content
    # Most of a window: a person's message or a plain answer (their exact classes; anything
    # else takes the general way below, which gives these the same).
    kind = type(message)
    if kind is HumanMessage or (isinstance(message, AIMessage) and kind is AIMessage
                                and not message.tool_calls and not message.invalid_tool_calls):
        role = "user" if kind is HumanMessage else "assistant"
        if not message.name and not message.additional_kwargs:
            return _OutMessage(content=content, role=role)
        return _OutMessage(content=content, role=role, name=_name(message))
    if isinstance(message, ToolMessage):
        return _OutMessage(content=content, role="tool", tool_call_id=message.tool_call_id)
    name = _name(message)
    if isinstance(message, AIMessage):
        calls = [_tool_call(dict(c)) for c in message.tool_calls]
        calls += [_OutToolCall(id=c.get("id"), function=_Function(c.get("name") or "",
                                                                  c.get("args") or ""))
                  for c in message.invalid_tool_calls]
        if calls:
            return _OutMessage(content=content or None, role="assistant", name=name,
                               tool_calls=calls)
        return _OutMessage(content=content, role="assistant", name=name)
    if isinstance(message, HumanMessage):
        return _OutMessage(content=content, role="user", name=name)
    if isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__", "system")
        return _OutMessage(content=content, role=role, name=name)
    raise TypeError(f"no OpenAI role for a {type(message).__name__}")


def _name(message: BaseMessage) -> str | msgspec.UnsetType:
    """langchain-openai's rule: the message's name unless empty, else one in its extra
    arguments, else none."""
    name = message.name or message.additional_kwargs.get("name")
    return UNSET if name is None else name


# -- replies ---------------------------------------------------------------------------------


class Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class _InFunction(msgspec.Struct):
    name: str = ""
    arguments: str = ""


class InToolCall(msgspec.Struct):
    function: _InFunction
    id: str | None = None


class _InMessage(msgspec.Struct):
    content: str | None = None
    tool_calls: list[InToolCall] | None = None


class _Choice(msgspec.Struct):
    message: _InMessage
    finish_reason: str | None = None


class Completion(msgspec.Struct):
    choices: list[_Choice]
    model: str | None = None
    usage: Usage | None = None


class _DeltaFunction(msgspec.Struct):
    name: str | None = None
    arguments: str | None = None


class DeltaToolCall(msgspec.Struct):
    index: int = 0
    id: str | None = None
    function: _DeltaFunction | None = None


class _Delta(msgspec.Struct):
    content: str | None = None
    tool_calls: list[DeltaToolCall] | None = None


class _ChunkChoice(msgspec.Struct):
    delta: _Delta = msgspec.field(default_factory=_Delta)
    finish_reason: str | None = None


class Chunk(msgspec.Struct):
    choices: list[_ChunkChoice] = msgspec.field(default_factory=list)
    model: str | None = None
    usage: Usage | None = None


completion_decoder = msgspec.json.Decoder(Completion)
chunk_decoder = msgspec.json.Decoder(Chunk)
args_decoder = msgspec.json.Decoder(dict[str, Any])
encoder = msgspec.json.Encoder()
