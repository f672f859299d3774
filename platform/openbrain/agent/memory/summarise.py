"""One summary step: the previous summary plus the messages since, never the whole transcript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from openbrain.agent.prompts import SUMMARY_INSTRUCTIONS
from openbrain.agent.tokens import approx_tokens, messages_tokens
from openbrain.domain.session import Message

NO_SUMMARY = "(none yet)"
_MESSAGE_CHARS = 1_000  # one message's share of the request: a pasted document stays small


@dataclass(frozen=True)
class Summarised:
    text: str
    input_tokens: int
    output_tokens: int


def transcript_lines(messages: Sequence[Message]) -> str:
    """``role: text`` lines; tool requests and results as one short line each."""
    lines: list[str] = []
    for message in messages:
        if message.role == "tool":
            lines.append(f"tool {message.name or ''}: {message.content[:200]}")
        elif message.tool_calls and not message.content:
            names = ", ".join(c.name for c in message.tool_calls)
            lines.append(f"assistant: (called {names})")
        else:
            text = " ".join(message.content.split())[:_MESSAGE_CHARS]
            lines.append(f"{message.role}: {text}")
    return "\n".join(lines)


def summary_request(previous: str | None, messages: Sequence[Message]) -> list[BaseMessage]:
    return [
        SystemMessage(content=SUMMARY_INSTRUCTIONS),
        HumanMessage(content=f"Summary so far:\n{previous or NO_SUMMARY}\n\n"
                             f"Messages to add:\n{transcript_lines(messages)}"),
    ]


def summarise(model: BaseChatModel, previous: str | None,
              messages: Sequence[Message]) -> Summarised:
    """The updated summary, from ``model`` (any exception is the caller's to handle).

    Raises:
        ValueError: the model answered with no text.
    """
    request = summary_request(previous, messages)
    answer = model.invoke(request)
    text = str(answer.text).strip()
    if not text:
        raise ValueError("the summary model answered with no text")
    usage = getattr(answer, "usage_metadata", None)
    if usage:
        return Summarised(text, usage["input_tokens"], usage["output_tokens"])
    return Summarised(text, messages_tokens(request), approx_tokens(text))
