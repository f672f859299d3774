"""Approximate token counting: ~4 characters a token, with no tokenizer download (no tiktoken)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from langchain_core.messages import AIMessage, BaseMessage

_PER_MESSAGE = 4  # role and framing overhead of the chat format


def approx_tokens(text: str) -> int:
    """Tokens in ``text``, rounded up; good enough for budgets and usage reports."""
    return (len(text) + 3) // 4


def message_tokens(message: BaseMessage) -> int:
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    total = _PER_MESSAGE + approx_tokens(content)
    if isinstance(message, AIMessage):
        for call in message.tool_calls:
            total += approx_tokens(call["name"]) + approx_tokens(json.dumps(call["args"]))
    return total


def messages_tokens(messages: Iterable[BaseMessage]) -> int:
    return sum(message_tokens(m) for m in messages)
