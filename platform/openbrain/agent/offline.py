"""The offline model: a small deterministic LangChain chat model with tool calling.

It lets the whole flow (chat, tool call, lead saved, event routed) run with no network. It
recognises a person's name, e-mail and phone number in the user's words and calls
``capture_lead`` (or ``update_lead`` once the session holds a lead), tells the person their
name, e-mail or phone number from the facts on file, the summary or the conversation, writes
deterministic summaries when asked for one (the ``summary`` memory policy), answers arithmetic,
time and hand-off requests with the matching tools when they are enabled, and turns tool
results into a polite answer. Token usage is approximate, like everywhere in the runtime.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from openbrain.agent.contact import DIGIT, extract_contact
from openbrain.agent.memory.offline_recall import (
    asked_about,
    is_summary_request,
    recall,
    summary_of,
)
from openbrain.agent.prompts import LEAD_ON_FILE
from openbrain.agent.providers.streaming import TextStream
from openbrain.agent.tokens import message_tokens, messages_tokens
from openbrain.agent.unobserved import QuietBinding, QuietChatModel

_ARITHMETIC = re.compile(r"[-+(]*\d[\d.\s]*(?:[-+*/%^][\s(]*\d[\d.\s)]*)+")
_HANDOFF = re.compile(r"\b(human|real person|representative|an agent|someone real)\b", re.I)
_WORDS = re.compile(r"\S+\s*|\s+")
_TIME = re.compile(r"\bwhat(?:'s| is)? the (?:current )?time\b|\btime is it\b", re.I)


def _text(message: BaseMessage) -> str:
    return str(message.text)


def _pieces(message: AIMessage) -> list[str]:
    """The streamed tokens of an answer: words with the spaces after them."""
    return _WORDS.findall(_text(message)) or [""]


def _tool_names(tools: Sequence[dict[str, Any]]) -> set[str]:
    return {t["function"]["name"] for t in tools}


def _call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[ToolCall(name=name, args=args, id=call_id)])


_FIELD_WORDS = {
    "full_name": "name", "email": "e-mail address", "phone": "phone number",
    "date_of_birth": "date of birth", "state_of_residence": "state", "medications": "medications",
}


def _listing(names: Sequence[str]) -> str:
    words = list(dict.fromkeys(_FIELD_WORDS[n] for n in names if n in _FIELD_WORDS))
    if not words:
        return "details"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _lead_answer(name: str, args: dict[str, Any], observation: str) -> str:
    first = (args.get("full_name") or args.get("first_name") or "").split(" ")[0]
    hello = f"Thank you, {first}!" if first else "Thank you!"
    if "nothing changed" in observation:
        return f"{hello} I already have those details on file."
    verb = "updated" if name == "update_lead" or "updated" in observation else "saved"
    return (
        f"{hello} I've {verb} your {_listing(list(args))}. "
        "A member of our team will be in touch soon. Is there anything else I can help with?"
    )


_ANSWERS: dict[str, Callable[[dict[str, Any], str], str]] = {
    "calculator": lambda a, o: f"{a.get('expression', 'That')} = {o}.",
    "get_current_time": lambda a, o: f"The current time is {o}.",
    "convert_timezone": lambda a, o: f"That is {o}.",
    "connect_with_agent": lambda a, o: f"Of course. {o}",
    "send_test_event": lambda a, o: o,
}


class OfflineChatModel(QuietChatModel):
    """Deterministic: the same conversation always gets the same answer."""

    max_tokens: int = 1024

    @property
    def _llm_type(self) -> str:
        return "openbrain-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return QuietBinding(bound=self,
                            kwargs={"tools": [convert_to_openai_tool(t) for t in tools], **kwargs})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._respond(messages, kwargs.get("tools") or [])
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._respond(messages, kwargs.get("tools") or [])
        if message.tool_calls:
            chunk = AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i,
                     "type": "tool_call_chunk"}
                    for i, c in enumerate(message.tool_calls)
                ],
                usage_metadata=message.usage_metadata,
            )
            yield ChatGenerationChunk(message=chunk)
            return
        pieces = _pieces(message)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = AIMessageChunk(
                content=piece, usage_metadata=message.usage_metadata if last else None
            )
            if run_manager and piece:
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    def stream_text(self, messages: list[BaseMessage], stop: list[str] | None = None,
                    **kwargs: Any) -> TextStream:
        """The tokens ``_stream`` yields as plain strings, then the answer (the lean path of
        ``providers.streaming``): the same pieces, the same message and usage."""
        message = self._respond(messages, kwargs.get("tools") or [])
        if not message.tool_calls:
            for piece in _pieces(message):
                if piece:
                    yield piece
        return message

    def _respond(self, messages: list[BaseMessage], tools: Sequence[dict[str, Any]]) -> AIMessage:
        reply = self._decide(messages, _tool_names(tools))
        if not reply.tool_calls:
            limit = self.max_tokens * 4  # the approximate token budget, in characters
            if len(_text(reply)) > limit:
                reply = AIMessage(content=_text(reply)[:limit])
        read, written = messages_tokens(messages), message_tokens(reply)  # each counted once
        reply.usage_metadata = UsageMetadata(
            input_tokens=read, output_tokens=written, total_tokens=read + written,
        )
        return reply

    def _decide(self, messages: list[BaseMessage], tools: set[str]) -> AIMessage:
        last = messages[-1] if messages else HumanMessage(content="")
        if isinstance(last, ToolMessage):
            return AIMessage(content=self._summarise(messages))
        text = _text(last)
        systems = [_text(m) for m in messages if isinstance(m, SystemMessage)]
        system = "\n".join(systems)
        if is_summary_request(system):
            return AIMessage(content=summary_of(text))
        call_id = f"call_{len(messages)}"
        contact = extract_contact(text)
        if not contact and (asked := asked_about(text)):
            said = [_text(m) for m in messages[:-1] if isinstance(m, HumanMessage)]
            return AIMessage(content=recall(asked, system, said))
        lead_on_file = any(LEAD_ON_FILE in text for text in systems)
        lead_tool = next(
            (
                t for t in (("update_lead", "capture_lead") if lead_on_file else ("capture_lead",))
                if t in tools
            ),
            None,
        )
        if contact and lead_tool:
            return _call(lead_tool, contact, call_id)
        if "connect_with_agent" in tools and _HANDOFF.search(text):
            return _call("connect_with_agent", {"reason": "the person asked for a human"}, call_id)
        if "calculator" in tools and DIGIT.search(text) and (expr := _ARITHMETIC.search(text)):
            return _call("calculator", {"expression": expr.group(0).strip().replace("^", "**")},
                         call_id)
        if "get_current_time" in tools and _TIME.search(text):
            return _call("get_current_time", {"timezone": "UTC"}, call_id)
        if lead_tool:
            return AIMessage(
                content="Thanks for your message! I'm a simple offline assistant, so I can't "
                "answer detailed questions, but if you share your name, e-mail or phone number, "
                "a member of our team will get back to you."
            )
        return AIMessage(
            content="Thanks for your message! I'm a simple offline assistant and can only help "
            "with a few things right now."
        )

    def _summarise(self, messages: list[BaseMessage]) -> str:
        """A polite answer built from the tool results that follow the last tool request."""
        start = max(i for i, m in enumerate(messages) if isinstance(m, AIMessage) and m.tool_calls)
        request = messages[start]
        assert isinstance(request, AIMessage)
        calls = {c["id"]: c for c in request.tool_calls}
        answers: list[str] = []
        for message in messages[start + 1 :]:
            if not isinstance(message, ToolMessage):
                continue
            call = calls.get(message.tool_call_id)
            name = call["name"] if call else (message.name or "")
            args = call["args"] if call else {}
            observation = _text(message)
            if observation.startswith("Error:"):
                answers.append(
                    "I'm sorry, I couldn't do that: "
                    + observation.removeprefix("Error:").strip()
                )
            elif name in ("capture_lead", "update_lead"):
                answers.append(_lead_answer(name, args, observation))
            else:
                answer = _ANSWERS.get(name)
                answers.append(answer(args, observation) if answer else observation)
        return " ".join(answers) or "Done."
