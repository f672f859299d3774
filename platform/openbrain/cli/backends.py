"""Where the CLI's chat turns run: in-process (embedded store) or against a remote API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from openbrain.api.schemas import SendMessage
from openbrain.client import Client, Token, api
from openbrain.domain import ChatMessage, ChatReply, Lead, SessionMemory
from openbrain.domain.errors import NotFoundError, UnauthorizedError, UpstreamError
from openbrain.runtime import Runtime

TokenSink = Callable[[str], None]


class ChatBackend(Protocol):
    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply: ...

    def lead(self, lead_id: str) -> Lead: ...

    def memory(self, session_id: str) -> SessionMemory: ...

    def close(self) -> None: ...


class LocalBackend:
    """Runs turns in this process, for one tenant of the embedded store; owns ``runtime``."""

    def __init__(self, runtime: Runtime, client_id: str) -> None:
        known = [tenant.client_id for tenant in runtime.tenants]
        if client_id not in known:
            listed = ", ".join(known) or "none"
            raise NotFoundError(f"tenant {client_id!r} is not in tenants/ (known: {listed})")
        self._runtime = runtime
        self._store = runtime.store(client_id)

    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply:
        return self._runtime.executor.chat(self._store, request, on_token=on_token)

    def lead(self, lead_id: str) -> Lead:
        return self._store.leads.require(lead_id)

    def memory(self, session_id: str) -> SessionMemory:
        return self._store.memory.of(self._store.sessions.require(session_id))

    def close(self) -> None:
        self._runtime.close()


class RemoteBackend:
    """Talks to an OpenBrain API with an API key (``--api-url`` / ``OB_API_URL``)."""

    def __init__(self, api_url: str, api_key: str, *, timeout: float = 120.0) -> None:
        if not api_key:
            raise UnauthorizedError("remote mode needs an API key (--api-key or OB_API_KEY)")
        self._client = Client(api_url, api_key, timeout=timeout)

    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply:
        if on_token is None or request.session_id is None or request.reset:
            return self._client.send(api.chat(request))
        message = SendMessage(message=request.message or "", context=request.context)
        for event in self._client.stream(api.send_message(request.session_id, message,
                                                          stream=True)):
            if isinstance(event, Token):
                on_token(event.text)
            else:
                return event
        raise UpstreamError("the API closed the stream before the answer was complete")

    def lead(self, lead_id: str) -> Lead:
        return self._client.send(api.lead(lead_id))

    def memory(self, session_id: str) -> SessionMemory:
        return self._client.send(api.session_memory(session_id))

    def close(self) -> None:
        self._client.close()
