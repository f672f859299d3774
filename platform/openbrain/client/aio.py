"""The asyncio client (the dashboard's states)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import TypeVar

import httpx

from openbrain.client import api
from openbrain.client.call import Call
from openbrain.client.sse import SessionEvent, SessionReader, TurnEvent, TurnReader
from openbrain.client.transport import client_options, failure, is_stream, request_of, unreachable
from openbrain.domain.chat import ChatReply

T = TypeVar("T")


class AsyncClient:
    """:class:`~openbrain.client.sync.Client`, awaited: the same calls, the same errors."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(**client_options(base_url, token, timeout),
                                       transport=transport)

    async def send(self, call: Call[T]) -> T:
        try:
            response = await self._http.send(request_of(self._http, call))
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        if (error := failure(response)) is not None:
            raise error
        return call.decode(response.content)

    async def stream(self, call: Call[ChatReply]) -> AsyncIterator[TurnEvent]:
        """A streamed turn's tokens, then its reply (a plain JSON answer is just the reply)."""
        try:
            response = await self._http.send(request_of(self._http, call), stream=True)
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        try:
            if response.status_code >= 400 or not is_stream(response):
                await response.aread()
                if (error := failure(response)) is not None:
                    raise error
                yield call.decode(response.content)
                return
            reader = TurnReader()
            async for chunk in response.aiter_text():
                for event in reader.feed(chunk):
                    yield event
            reader.finish()
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        finally:
            await response.aclose()

    async def session_events(self, session_id: str,
                             last_event_id: int | None = None) -> AsyncIterator[SessionEvent]:
        """A session's live stream until the server ends it (reconnect after the last
        message's ``seq`` to resume: nothing is lost or repeated). Its keep-alives come
        well within the read timeout."""
        call = api.session_events(session_id, last_event_id)
        try:
            response = await self._http.send(request_of(self._http, call), stream=True)
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        try:
            if response.status_code >= 400:
                await response.aread()
                if (error := failure(response)) is not None:
                    raise error
            reader = SessionReader()
            async for chunk in response.aiter_text():
                for event in reader.feed(chunk):
                    yield event
        except httpx.HTTPError as exc:
            raise unreachable(self.base_url, exc) from exc
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()
