"""Calling the model: LLM failures become UpstreamError / UpstreamTimeoutError.

Messages name the failure (status code, timeout) but never repeat the provider's text, which
can echo part of an API key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import httpx
import structlog
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable

from openbrain.domain.errors import OpenBrainError, UpstreamError, UpstreamTimeoutError

log = structlog.get_logger("openbrain.agent.upstream")

Model = Runnable[LanguageModelInput, BaseMessage]


def upstream_error(exc: BaseException, timeout: float) -> UpstreamError:
    # ``openai`` is looked up, not imported: if it was never imported (offline model only),
    # no exception can be one of its classes, and the import costs seconds of start-up.
    openai = sys.modules.get("openai")
    if isinstance(exc, httpx.TimeoutException | TimeoutError) or (
        openai is not None and isinstance(exc, openai.APITimeoutError)
    ):
        return UpstreamTimeoutError(f"the language model did not answer within {timeout:.1f} s")
    if openai is not None and isinstance(exc, openai.RateLimitError):
        return UpstreamError(
            "the language model provider is rate limiting requests (HTTP 429); try again shortly"
        )
    if openai is not None and isinstance(exc, openai.APIStatusError):
        return UpstreamError(f"the language model endpoint answered HTTP {exc.status_code}")
    if isinstance(exc, httpx.TransportError) or (
        openai is not None and isinstance(exc, openai.APIConnectionError)
    ):
        return UpstreamError("could not reach the language model endpoint")
    return UpstreamError("the language model returned a malformed response")


def _fail(exc: Exception, timeout: float) -> UpstreamError:
    if isinstance(exc, OpenBrainError):
        raise exc
    log.warning("llm.failed", error=type(exc).__name__)
    return upstream_error(exc, timeout)


def call_model(
    model: Model,
    messages: list[BaseMessage],
    *,
    timeout: float,
    on_token: Callable[[str], None] | None = None,
) -> AIMessage:
    """One model call (streamed when ``on_token`` is given); the answer as an ``AIMessage``.

    ``timeout`` bounds this request (the openai client's per-request option; the offline
    model ignores it). Exceptions raised by ``on_token`` propagate unchanged.
    """
    options: dict[str, Any] = {"timeout": timeout}
    if on_token is None:
        try:
            answer = model.invoke(messages, **options)
        except Exception as exc:
            raise _fail(exc, timeout) from exc
        if not isinstance(answer, AIMessage):
            raise UpstreamError("the language model returned a malformed response")
        return answer
    total: AIMessageChunk | None = None
    chunks = iter(model.stream(messages, **options))
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            break
        except Exception as exc:
            raise _fail(exc, timeout) from exc
        if not isinstance(chunk, AIMessageChunk):
            raise UpstreamError("the language model returned a malformed response")
        total = chunk if total is None else total + chunk
        if text := str(chunk.text):
            on_token(text)
    if total is None:
        raise UpstreamError("the language model returned an empty response")
    return total
