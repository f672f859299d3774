"""The lean streamed call: a provider's text deltas, then its whole answer.

``BaseChatModel.stream`` builds, for every token, an ``AIMessageChunk`` and a
``ChatGenerationChunk`` (pydantic models), runs the callback manager, and merges every chunk
again for its end-of-run callbacks. A provider that implements ``stream_text`` yields the same
tokens as plain strings and returns the answer ``stream`` would have merged, and its
``_stream`` is built on the same code. ``direct`` says when a caller may take that path:
only when LangChain would run no callback for the call (none on the model, the binding, the
caller's context, no tracing), with no rate limiter, streaming enabled and the default
output version; otherwise ``stream`` it is, with every callback as before.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableBinding

from openbrain.agent.unobserved import unobserved

# Text deltas (never empty), then the whole answer, or None when the reply held no chunk.
TextStream = Generator[str, None, AIMessage | None]


class TextStreamer(Protocol):
    def stream_text(self, messages: list[BaseMessage], **kwargs: Any) -> TextStream:
        """The tokens of one streamed call; ``kwargs`` are those ``_stream`` receives."""
        ...


def direct(model: Runnable[Any, Any]) -> tuple[TextStreamer, dict[str, Any]] | None:
    """The provider behind ``model`` (a chat model or its ``bind_tools`` binding) and the
    keyword arguments ``stream`` would hand its ``_stream``, when the lean path gives the same
    result; ``None`` when ``model.stream`` must run (something would observe the call)."""
    kwargs: dict[str, Any] = {}
    config = None
    if isinstance(model, RunnableBinding):
        if model.config_factories:
            return None
        kwargs, config, model = dict(model.kwargs), model.config, model.bound
    # An attribute check: ``isinstance`` against a protocol costs more than the rest.
    if not isinstance(model, BaseChatModel) or getattr(model, "stream_text", None) is None:
        return None
    if (model.rate_limiter is not None or model.disable_streaming is not False
            or model.output_version not in (None, "v0")
            or "ls_structured_output_format" in kwargs or "structured_output_format" in kwargs):
        return None
    if not unobserved(model, config):
        return None
    return cast(TextStreamer, model), kwargs
