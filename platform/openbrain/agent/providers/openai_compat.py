"""``OpenAICompatChatModel``: a LangChain chat model for OpenAI-compatible endpoints, without
the openai SDK.

The SDK's per-call request transform cost more CPU than the rest of a turn. Here the parts of
the request that do not change between calls of one binding (model, settings, tool schemas)
are encoded once into a prefix and a suffix, each call encodes only its messages with msgspec,
sends over the pooled client of ``transport`` and decodes the reply with msgspec structs.
Retries belong to ``upstream.call_model`` (within the turn's deadline), not to this class.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr, SecretStr

from openbrain.agent.providers import transport
from openbrain.agent.providers.openai_wire import (
    Chunk,
    Completion,
    InToolCall,
    Usage,
    args_decoder,
    chunk_decoder,
    completion_decoder,
    encoder,
    out_message,
)
from openbrain.agent.providers.streaming import TextStream
from openbrain.agent.unobserved import QuietBinding, QuietChatModel

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_MAX_TEMPLATES = 64  # (stream, tool set, stop) combinations per model; a reset only re-encodes
_PROVIDER = "openai"


@dataclass(frozen=True)
class _Template:
    """The request around its messages: ``head + messages + tail`` is the whole body."""

    head: bytes
    tail: bytes
    tools: object  # the bound tool list, held so that its id (the cache key) stays unique


class OpenAICompatChatModel(QuietChatModel):
    """Chat completions over HTTP; ``bind_tools``, callbacks, ``usage_metadata`` and streaming
    (with usage) as ``ChatOpenAI`` gives them."""

    model_name: str
    base_url: str = DEFAULT_BASE_URL
    api_key: SecretStr = Field(default=SecretStr("unused"))  # kept out of reprs and traces
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = 60.0
    stream_usage: bool = True

    _templates: dict[tuple[object, ...], _Template] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _headers: dict[str, str] = PrivateAttr(default_factory=dict)
    _url: str = PrivateAttr(default="")
    _endpoint: transport.Endpoint | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._url = self.base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {self.api_key.get_secret_value()}",
                         "Content-Type": "application/json", "Accept": "application/json"}

    @property
    def _llm_type(self) -> str:
        return "openai-compatible"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "temperature": self.temperature,
                "max_tokens": self.max_tokens}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = (
                {"type": "function", "function": {"name": tool_choice}}
                if isinstance(tool_choice, str) and tool_choice not in ("auto", "none", "required")
                else tool_choice
            )
        return QuietBinding(bound=self, kwargs={"tools": formatted, **kwargs})

    # -- the request -------------------------------------------------------------------------

    def _template(self, stream: bool, stop: list[str] | None, kwargs: dict[str, Any]) -> _Template:
        tools = kwargs.get("tools")
        extra = {k: v for k, v in kwargs.items() if k not in ("tools", "timeout")}
        key = (stream, id(tools), tuple(stop or ()), repr(sorted(extra.items())))
        found = self._templates.get(key)
        if found is not None and found.tools is tools:
            return found
        head = {"model": self.model_name, "stream": stream}
        tail: dict[str, Any] = {}
        if self.max_tokens is not None:
            tail["max_completion_tokens"] = self.max_tokens
        if stream and self.stream_usage:
            tail["stream_options"] = {"include_usage": True}
        if self.temperature is not None:
            tail["temperature"] = self.temperature
        if stop:
            tail["stop"] = stop
        tail.update(extra)
        if tools:
            tail["tools"] = tools
        head_json = encoder.encode(head)
        tail_json = encoder.encode(tail)
        template = _Template(
            head=head_json[:-1] + b',"messages":',
            tail=(b"," + tail_json[1:]) if tail else b"}",
            tools=tools,
        )
        with self._lock:
            if len(self._templates) >= _MAX_TEMPLATES:
                self._templates.clear()
            self._templates[key] = template
        return template

    def _body(self, messages: list[BaseMessage], stream: bool, stop: list[str] | None,
              kwargs: dict[str, Any]) -> bytes:
        template = self._template(stream, stop, kwargs)
        return template.head + encoder.encode([out_message(m) for m in messages]) + template.tail

    # -- the reply ---------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = self._body(messages, False, stop, kwargs)
        if self._endpoint is None:  # built on first use: the client is made with it
            self._endpoint = transport.Endpoint(self._url, self._headers)
        raw = self._endpoint.post(body, kwargs.get("timeout", self.timeout))
        try:
            reply = completion_decoder.decode(raw)
        except msgspec.MsgspecError as exc:
            raise transport.MalformedReplyError("not a chat completion") from exc
        if not reply.choices:
            raise transport.MalformedReplyError("a chat completion without choices")
        return ChatResult(generations=[ChatGeneration(message=_message(reply))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for event in self._events(messages, stop, kwargs):
            chunk = _chunk(event)
            if chunk is None:
                continue
            generation = ChatGenerationChunk(message=chunk)
            if run_manager is not None:
                run_manager.on_llm_new_token(str(chunk.content), chunk=generation)
            yield generation

    def stream_text(self, messages: list[BaseMessage], stop: list[str] | None = None,
                    **kwargs: Any) -> TextStream:
        """The same call as ``_stream`` (see ``providers.streaming``): a chunk that only
        carries text costs a decode and a yield; the answer is what ``stream`` merges (runs
        of text joined into one chunk, other chunks as they came, then the closing one)."""
        parts: list[AIMessageChunk] = []
        texts: list[str] = []
        seen = False
        for event in self._events(messages, stop, kwargs):
            text = _plain_text(event)
            if text is not None:
                seen = True
                if text:
                    texts.append(text)
                    yield text
                continue
            chunk = _chunk(event)
            if chunk is None:
                continue
            seen = True
            if texts:
                parts.append(_text_chunk(texts))
                texts = []
            parts.append(chunk)
            if text := str(chunk.text):
                yield text
        if not seen:
            return None
        if texts or not parts:
            parts.append(_text_chunk(texts))
        parts.append(AIMessageChunk(content="", chunk_position="last"))
        first, *rest = parts
        return first + rest

    def _events(self, messages: list[BaseMessage], stop: list[str] | None,
                kwargs: dict[str, Any]) -> Iterator[Chunk]:
        """The stream's chunks, decoded from the bytes of each ``data:`` line."""
        body = self._body(messages, True, stop, kwargs)
        timeout = kwargs.get("timeout", self.timeout)
        if self._endpoint is None:  # built on first use: the client is made with it
            self._endpoint = transport.Endpoint(self._url, self._headers)
        with self._endpoint.stream(body, timeout) as response:
            for data in transport.sse_data(response):
                try:
                    yield chunk_decoder.decode(data)
                except msgspec.MsgspecError as exc:
                    raise transport.MalformedReplyError("not a chat completion chunk") from exc


def _usage(usage: Usage) -> UsageMetadata:
    return UsageMetadata(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens,
                         total_tokens=usage.total_tokens)


def _message(reply: Completion) -> AIMessage:
    choice = reply.choices[0]
    calls, invalid = [], []
    for raw in choice.message.tool_calls or ():
        args = _arguments(raw)
        if args is None:
            invalid.append(invalid_tool_call(name=raw.function.name, args=raw.function.arguments,
                                             id=raw.id, error="arguments are not a JSON object"))
        else:
            calls.append(tool_call(name=raw.function.name, args=args, id=raw.id))
    return AIMessage(
        content=choice.message.content or "",
        tool_calls=calls,
        invalid_tool_calls=invalid,
        usage_metadata=_usage(reply.usage) if reply.usage is not None else None,
        response_metadata={"model_name": reply.model, "finish_reason": choice.finish_reason,
                           "model_provider": _PROVIDER},
    )


def _arguments(raw: InToolCall) -> dict[str, Any] | None:
    if not raw.function.arguments:
        return {}
    try:
        return args_decoder.decode(raw.function.arguments)
    except msgspec.MsgspecError:
        return None


def _plain_text(chunk: Chunk) -> str | None:
    """The text of a chunk that carries nothing else (no tool calls, usage or finish reason:
    the chunk ``_chunk`` makes of it holds its text and the provider's name only)."""
    if chunk.usage is not None or not chunk.choices:
        return None
    choice = chunk.choices[0]
    if choice.finish_reason is not None or choice.delta.tool_calls:
        return None
    return choice.delta.content or ""


def _text_chunk(texts: list[str]) -> AIMessageChunk:
    """Text-only chunks merged: their text joined (their metadata is the same in each)."""
    return AIMessageChunk(content="".join(texts), response_metadata={"model_provider": _PROVIDER})


def _chunk(chunk: Chunk) -> AIMessageChunk | None:
    usage = _usage(chunk.usage) if chunk.usage is not None else None
    if not chunk.choices:
        return AIMessageChunk(content="", usage_metadata=usage) if usage is not None else None
    choice = chunk.choices[0]
    delta = choice.delta
    call_chunks = [
        tool_call_chunk(name=c.function.name if c.function else None,
                        args=c.function.arguments if c.function else None,
                        id=c.id, index=c.index)
        for c in delta.tool_calls or ()
    ]
    metadata: dict[str, Any] = {"model_provider": _PROVIDER}
    if choice.finish_reason is not None:
        metadata.update(finish_reason=choice.finish_reason, model_name=chunk.model)
    return AIMessageChunk(content=delta.content or "", tool_call_chunks=call_chunks,
                          usage_metadata=usage, response_metadata=metadata)
