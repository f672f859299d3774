"""A session's live stream, ``GET /v1/sessions/{id}/events`` (server-sent events).

``message`` events carry the session's messages as they are stored (the visitor's, the
agent's answers, an operator's), each with its ``seq`` as the event id; ``state`` events say
who answers it (on opening, then on every change). A client that reconnects with
``Last-Event-ID`` gets exactly the messages after that one: the table is the stream's only
source (one get of the session item per ``stream_poll``, the new messages when it moved), so
any instance serves any session and a message committed while nobody listened is not lost.
The stream ends after ``stream_max_seconds``; reconnecting is the design (a Lambda Function
URL ends a streamed response at 15 minutes whatever the server does).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio.to_thread
import msgspec
from litestar.response import ServerSentEventMessage

from openbrain.domain.handoff import SessionState
from openbrain.domain.session import ChatSession, Message
from openbrain.store import TenantStore

HEARTBEAT = 15.0  # seconds: a comment keeps proxies from closing an idle stream
RETRY_MS = 1000  # how soon a client reconnects after the stream ends or drops


def shown(message: Message) -> bool:
    """What people see of a conversation: no tool traffic, no empty tool-calling steps."""
    if message.role in ("user", "human_agent"):
        return True
    return message.role == "assistant" and bool(message.content)


class SessionStream:
    """One subscriber's stream; ``widget``: the visitor's own (operators stay anonymous)."""

    def __init__(self, store: TenantStore, session: ChatSession, *, after: int | None,
                 widget: bool, poll: float, max_seconds: float) -> None:
        self._store = store
        self._session = session
        # Without Last-Event-ID the stream starts now: the transcript route has the past.
        self._cursor = session.message_count - 1 if after is None else after
        self._widget = widget
        self._poll = poll
        self._max_seconds = max_seconds

    async def events(self) -> AsyncIterator[ServerSentEventMessage]:
        started = beat = time.monotonic()
        shown_state: SessionState | None = None
        session: ChatSession | None = self._session
        yield ServerSentEventMessage(data=None, comment="stream open", retry=RETRY_MS)
        while session is not None:
            if session.message_count - 1 > self._cursor:
                for message in await anyio.to_thread.run_sync(self._next_messages):
                    yield message
            state = SessionState(control=session.control, last_seq=self._cursor,
                                 operator=None if self._widget else session.operator)
            if shown_state is None or (state.control, state.operator) != (
                    shown_state.control, shown_state.operator):
                shown_state = state
                yield ServerSentEventMessage(event="state", id=str(self._cursor),
                                             data=_json(state))
            now = time.monotonic()
            if now - started >= self._max_seconds:
                return
            if now - beat >= HEARTBEAT:
                beat = now
                yield ServerSentEventMessage(data=None, comment="keep-alive")
            await anyio.sleep(self._poll)
            session = await anyio.to_thread.run_sync(self._store.sessions.get,
                                                     self._session.session_id)
        yield ServerSentEventMessage(event="gone", data="{}")

    def _next_messages(self) -> list[ServerSentEventMessage]:
        out = []
        for message in self._store.sessions.after(self._session.session_id, self._cursor):
            self._cursor = message.seq
            if not shown(message):
                continue
            if self._widget and message.operator is not None:
                message = msgspec.structs.replace(message, operator=None)
            out.append(ServerSentEventMessage(event="message", id=str(message.seq),
                                              data=_json(message)))
        return out


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()
