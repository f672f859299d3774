"""Calling the model: LLM failures become UpstreamError / UpstreamTimeoutError.

Messages name the failure (status code, timeout) but never repeat the provider's text, which
can echo part of an API key.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import structlog
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable

from openbrain.agent.providers.streaming import TextStreamer, direct
from openbrain.agent.providers.transport import ProviderStatusError
from openbrain.domain.errors import OpenBrainError, UpstreamError, UpstreamTimeoutError

log = structlog.get_logger("openbrain.agent.upstream")

Model = Runnable[LanguageModelInput, BaseMessage]


def upstream_error(exc: BaseException, timeout: float) -> UpstreamError:
    """The turn's error for a failed model call: our providers' errors, and the openai SDK's
    (a ``ChatOpenAI`` handed to ``call_model``)."""
    if isinstance(exc, ProviderStatusError):
        return _status_error(exc.status_code)
    # ``openai`` is looked up, not imported: if it was never imported (offline model only),
    # no exception can be one of its classes, and the import costs seconds of start-up.
    openai = sys.modules.get("openai")
    if isinstance(exc, httpx.TimeoutException | TimeoutError) or (
        openai is not None and isinstance(exc, openai.APITimeoutError)
    ):
        return UpstreamTimeoutError(f"the language model did not answer within {timeout:.1f} s")
    if openai is not None and isinstance(exc, openai.APIStatusError):
        return _status_error(exc.status_code)
    if isinstance(exc, httpx.TransportError) or (
        openai is not None and isinstance(exc, openai.APIConnectionError)
    ):
        return UpstreamError("could not reach the language model endpoint")
    return UpstreamError("the language model returned a malformed response")


def _status_error(status_code: int) -> UpstreamError:
    if status_code == 429:
        return UpstreamError(
            "the language model provider is rate limiting requests (HTTP 429); try again shortly"
        )
    return UpstreamError(f"the language model endpoint answered HTTP {status_code}")


def call_model(
    model: Model,
    messages: list[BaseMessage],
    *,
    timeout: float,
    on_token: Callable[[str], None] | None = None,
    deadline: float | None = None,
    retries: int = 0,
) -> AIMessage:
    """One model call (streamed when ``on_token`` is given); the answer as an ``AIMessage``.

    ``timeout`` bounds each request (the openai client's per-request option; the offline
    model ignores it). A request that timed out, could not connect or was answered 429 or 5xx
    is retried up to ``retries`` times (after the ``Retry-After`` the endpoint asked for, when
    longer than the backoff), never past ``deadline`` (a ``time.monotonic()``
    value) and never once a token was handed on: the client's own retries are off, since
    each would wait a whole ``timeout`` again. Exceptions raised by ``on_token`` propagate
    unchanged.
    """
    emitted: list[bool] = []  # once a token went out, a retry would repeat it: none then

    def sink(text: str) -> None:
        emitted.append(True)
        assert on_token is not None
        on_token(text)

    attempt = 0
    while True:
        wait = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        try:
            return _call_once(model, messages, wait, sink if on_token is not None else None)
        except _Failed as failed:
            # The server's Retry-After (a 429's) when it asks for longer than our backoff.
            backoff = max(min(0.5 * 2**attempt, 4.0), _asked_wait(failed.cause))
            left = float("inf") if deadline is None else deadline - time.monotonic()
            if attempt >= retries or emitted or not _retryable(failed.cause) or left <= backoff:
                raise upstream_error(failed.cause, wait) from failed.cause
            log.info("llm.retry", attempt=attempt + 1, error=type(failed.cause).__name__)
            time.sleep(backoff)
            attempt += 1


class _Failed(Exception):  # noqa: N818 - a carrier, never raised past call_model
    def __init__(self, cause: Exception) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


def _asked_wait(exc: Exception) -> float:
    """Seconds the endpoint asked us to wait (``Retry-After`` in seconds), or 0."""
    if isinstance(exc, ProviderStatusError):
        return exc.retry_after
    openai = sys.modules.get("openai")
    if openai is None or not isinstance(exc, openai.APIStatusError):
        return 0.0
    try:
        return max(0.0, float(exc.response.headers.get("retry-after", "0")))
    except ValueError:  # an HTTP date: not worth parsing for a turn measured in seconds
        return 0.0


def _retryable(exc: Exception) -> bool:
    openai = sys.modules.get("openai")
    if isinstance(exc, httpx.TimeoutException | TimeoutError | httpx.TransportError):
        return True
    if isinstance(exc, ProviderStatusError):
        return exc.retryable
    if openai is None:
        return False
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return True
    return isinstance(exc, openai.APIStatusError) and (
        exc.status_code == 429 or exc.status_code >= 500)


def _call_once(
    model: Model, messages: list[BaseMessage], timeout: float,
    on_token: Callable[[str], None] | None,
) -> AIMessage:
    options: dict[str, Any] = {"timeout": timeout}
    if on_token is None:
        try:
            answer = model.invoke(messages, **options)
        except Exception as exc:
            raise _failed(exc) from exc
        if not isinstance(answer, AIMessage):
            raise UpstreamError("the language model returned a malformed response")
        return answer
    lean = direct(model)
    if lean is not None:
        return _stream_text(*lean, messages, timeout, on_token)
    # Merged once at the end: adding each chunk to a running total rebuilds the whole
    # message (content, metadata, usage) per token.
    received: list[AIMessageChunk] = []
    chunks = iter(model.stream(messages, **options))
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            break
        except Exception as exc:
            raise _failed(exc) from exc
        if not isinstance(chunk, AIMessageChunk):
            raise UpstreamError("the language model returned a malformed response")
        received.append(chunk)
        if text := str(chunk.text):
            on_token(text)
    if not received:
        raise UpstreamError("the language model returned an empty response")
    first, *rest = received
    return first + rest if rest else first


def _stream_text(provider: TextStreamer, kwargs: dict[str, Any], messages: list[BaseMessage],
                 timeout: float, on_token: Callable[[str], None]) -> AIMessage:
    """``model.stream`` without its per-token objects and callbacks (none would run: see
    ``providers.streaming.direct``): each token goes to ``on_token`` as the provider's string."""
    tokens = provider.stream_text(messages, **{**kwargs, "timeout": timeout})
    try:
        while True:
            try:
                text = next(tokens)
            except StopIteration as end:
                answer: AIMessage | None = end.value
                break
            except Exception as exc:
                raise _failed(exc) from exc
            on_token(text)
    finally:
        tokens.close()  # on_token raised: the response is closed now, not when collected
    if answer is None:  # what ``BaseChatModel.stream`` raises for a reply without chunks
        empty = ValueError("No generation chunks were returned")
        raise _failed(empty) from empty
    return answer


def _failed(exc: Exception) -> Exception:
    if isinstance(exc, OpenBrainError):
        return exc
    log.warning("llm.failed", error=type(exc).__name__)
    return _Failed(exc)
