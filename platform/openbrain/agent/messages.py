"""Stored messages ↔ LangChain messages. The request's ``context`` is never part of these."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages import ToolCall as LCToolCall

from openbrain.domain.session import Message


def to_langchain(message: Message) -> BaseMessage:
    if message.role == "user":
        return HumanMessage(content=message.content)
    if message.role == "assistant":
        return AIMessage(
            content=message.content,
            tool_calls=[LCToolCall(name=c.name, args=c.args, id=c.id) for c in message.tool_calls],
        )
    if message.role == "human_agent":
        # An operator spoke for the assistant: the model sees it as the assistant's turn,
        # named, so that after a hand-back it knows what the person was told.
        return AIMessage(content=message.content, name="human_agent")
    if message.role == "tool":
        return ToolMessage(
            content=message.content, tool_call_id=message.tool_call_id or "", name=message.name
        )
    return SystemMessage(content=message.content)


def prompt(system: str, history: Sequence[Message]) -> list[BaseMessage]:
    """The system message, then the history window.

    A window can begin inside a tool exchange; tool results whose request fell outside it
    are dropped, because an answer to an unseen request is refused by OpenAI-style APIs.
    """
    start = 0
    while start < len(history) and history[start].role == "tool":
        start += 1
    return [SystemMessage(content=system), *(to_langchain(m) for m in history[start:])]
