"""Stored messages ↔ LangChain messages. The request's ``context`` is never part of these.

A turn rebuilds its whole window as LangChain messages. Their fields come from records the
store has already decoded and typed (strings, a tool call's name, id and argument object), so
pydantic's validation of each one is skipped: a message is assembled as the validating
constructor would leave it (same fields, same fields-set). tests/agent/test_lc_messages.py
compares every role with the validated construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from openbrain.domain.session import Message

__all__ = ("prompt", "system_message", "to_langchain")

M = TypeVar("M", bound=BaseMessage)
_set = object.__setattr__


class _Prebuilt(Generic[M]):
    """Builds ``cls(**fields)`` without validation, from a validated example's field values.

    ``example`` names the fields a call passes (the validated example fixes the fields-set
    and every default); defaults that are containers are made fresh for each message.
    """

    def __init__(self, cls: type[M], **example: Any) -> None:
        proto = cls(**example)
        self._cls = cls
        self._base = dict(proto.__dict__)
        self._fresh = tuple(k for k, v in self._base.items()
                            if k not in example and isinstance(v, dict | list))
        if any(self._base[k] for k in self._fresh):  # a non-empty default would be shared
            raise TypeError(f"{cls.__name__} has a non-empty container default")
        self._given = frozenset(proto.model_fields_set)
        self._extra = proto.__pydantic_extra__
        if self._extra or proto.__pydantic_private__:
            raise TypeError(f"{cls.__name__} carries extra or private state")

    def __call__(self, **fields: Any) -> M:
        message = self._cls.__new__(self._cls)
        values = self._base.copy()
        for key in self._fresh:
            values[key] = type(values[key])()
        values.update(fields)
        _set(message, "__dict__", values)
        _set(message, "__pydantic_fields_set__", set(self._given))
        _set(message, "__pydantic_extra__", None if self._extra is None else {})
        _set(message, "__pydantic_private__", None)
        return message


_system = _Prebuilt(SystemMessage, content="")
_human = _Prebuilt(HumanMessage, content="")
_assistant = _Prebuilt(AIMessage, content="", tool_calls=[])
_operator = _Prebuilt(AIMessage, content="", name="human_agent")
_tool = _Prebuilt(ToolMessage, content="", tool_call_id="", name=None)


def system_message(content: str) -> SystemMessage:
    """``SystemMessage(content=content)``, unvalidated."""
    return _system(content=content)


def to_langchain(message: Message) -> BaseMessage:
    if message.role == "user":
        return _human(content=message.content)
    if message.role == "assistant":
        # The validated AIMessage's tool calls: name, args, id, then the block type.
        return _assistant(content=message.content, tool_calls=[
            {"name": c.name, "args": dict(c.args), "id": c.id, "type": "tool_call"}
            for c in message.tool_calls
        ])
    if message.role == "human_agent":
        # An operator spoke for the assistant: the model sees it as the assistant's turn,
        # named, so that after a hand-back it knows what the person was told.
        return _operator(content=message.content)
    if message.role == "tool":
        return _tool(content=message.content, tool_call_id=message.tool_call_id or "",
                     name=message.name)
    return _system(content=message.content)


def prompt(system: str, history: Sequence[Message]) -> list[BaseMessage]:
    """The system message, then the history window.

    A window can begin inside a tool exchange; tool results whose request fell outside it
    are dropped, because an answer to an unseen request is refused by OpenAI-style APIs.
    """
    start = 0
    while start < len(history) and history[start].role == "tool":
        start += 1
    return [system_message(system), *(to_langchain(m) for m in history[start:])]
