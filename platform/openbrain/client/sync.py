"""The blocking client (the CLI's remote mode)."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import TypeVar

import httpx

from openbrain.client.call import Call
from openbrain.client.sse import TurnEvent, TurnReader
from openbrain.client.transport import client_options, failure, is_stream, request_of, unreachable
from openbrain.domain.chat import ChatReply

T = TypeVar("T")


class Client:
    """Sends :mod:`openbrain.client.api` calls with one credential (an API key or a JWT).

    Every failure is a domain error: the API's problem details become the error they stand
    for, and an unreachable API an :class:`~openbrain.domain.errors.UpstreamError`.
    """

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(**client_options(base_url, token, timeout),
                                  transport=transport)

    def send(self, call: Call[T]) -> T:
        try:
            response = self._http.send(request_of(self._http, call))
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        if (error := failure(response)) is not None:
            raise error
        return call.decode(response.content)

    def stream(self, call: Call[ChatReply]) -> Iterator[TurnEvent]:
        """A streamed turn's tokens, then its reply (a plain JSON answer is just the reply)."""
        try:
            response = self._http.send(request_of(self._http, call), stream=True)
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        try:
            if response.status_code >= 400 or not is_stream(response):
                response.read()
                if (error := failure(response)) is not None:
                    raise error
                yield call.decode(response.content)
                return
            reader = TurnReader()
            for chunk in response.iter_text():
                yield from reader.feed(chunk)
            reader.finish()
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        finally:
            response.close()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
