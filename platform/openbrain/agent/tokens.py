"""Approximate token counting: ~4 characters a token, with no tokenizer download (no tiktoken)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from operator import is_

from langchain_core.messages import AIMessage, BaseMessage

_PER_MESSAGE = 4  # role and framing overhead of the chat format

# The prompt a turn counted (its messages, held so none is freed and its id reused) and its
# count: the model's own count of the same prompt, or of it with tool rounds after, adds only
# the messages after it (the budget and the offline model counted every message twice).
_counted: ContextVar[tuple[tuple[BaseMessage, ...], int] | None] = ContextVar(
    "ob_counted_prompt", default=None)


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


def messages_tokens(messages: Sequence[BaseMessage]) -> int:
    known = _counted.get()
    if known is not None:
        prefix, total = known
        # map stops at the shorter: every message of the prefix, the very same objects
        if len(messages) >= len(prefix) and all(map(is_, prefix, messages)):
            return total + sum(message_tokens(m) for m in messages[len(prefix):])
    return sum(message_tokens(m) for m in messages)


@contextmanager
def counted(prompt: Sequence[BaseMessage]) -> Iterator[int]:
    """Count ``prompt`` once: within the block :func:`messages_tokens` of the same messages
    (the same objects, in order, perhaps followed by more) reuses the count. Messages are
    not changed in a turn, only added; the count is the one a fresh count gives."""
    total = messages_tokens(prompt)
    token = _counted.set((tuple(prompt), total))
    try:
        yield total
    finally:
        _counted.reset(token)
