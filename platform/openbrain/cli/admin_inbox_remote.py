"""``ob-admin inbox`` in remote mode: the same desk through the API (``--api-url``)."""

from __future__ import annotations

from openbrain.client import Client, api
from openbrain.domain.handoff import InboxEntry
from openbrain.domain.session import ChatSession, Message


class RemoteDesk:
    """The inbox through the API, as the key's operator."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[InboxEntry]:
        return self._client.send(api.inbox()).items

    def take(self, session_id: str) -> ChatSession:
        return self._client.send(api.take_session(session_id))

    def reply(self, session_id: str, text: str) -> Message:
        return self._client.send(api.reply_as_operator(session_id, text))

    def release(self, session_id: str) -> ChatSession:
        return self._client.send(api.release_session(session_id))

    def close(self, session_id: str) -> ChatSession:
        return self._client.send(api.close_session(session_id))
