"""A streamed turn (``Accept: text/event-stream``): text chunks in, typed events out.

The API sends ``token`` events (``{"text": ...}``), then ``done`` (the :class:`ChatReply`) or
``error`` (a problem detail, raised here as its domain error).
"""

from __future__ import annotations

import msgspec

from openbrain.client.models import Token
from openbrain.client.problems import error_from_problem
from openbrain.domain.chat import ChatReply
from openbrain.domain.errors import UpstreamError
from openbrain.domain.handoff import SessionState
from openbrain.domain.session import Message

TurnEvent = Token | ChatReply
SessionEvent = Message | SessionState


class SseParser:
    """Incremental ``text/event-stream`` parser: feed text chunks, get ``(event, data)``."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: str) -> list[tuple[str, str]]:
        return [(event, data) for event, data, _ in self.feed_with_ids(chunk)]

    def feed_with_ids(self, chunk: str) -> list[tuple[str, str, str | None]]:
        """``(event, data, id)`` of every event completed by ``chunk``."""
        self._buffer += chunk.replace("\r\n", "\n")
        out: list[tuple[str, str, str | None]] = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            event, data, ident = "message", list[str](), None
            for line in block.split("\n"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                elif name == "id":
                    ident = value
            if data:  # comments (": keep-alive") and empty blocks carry nothing
                out.append((event, "\n".join(data), ident))
        return out


class SessionReader:
    """Reads a session's live stream: its messages and its control state, as typed records
    (``gone``: the session was deleted)."""

    def __init__(self) -> None:
        self._parser = SseParser()
        self.gone = False

    def feed(self, chunk: str) -> list[SessionEvent]:
        events: list[SessionEvent] = []
        for event, data, _ in self._parser.feed_with_ids(chunk):
            if event == "message":
                events.append(msgspec.json.decode(data, type=Message))
            elif event == "state":
                events.append(msgspec.json.decode(data, type=SessionState))
            elif event == "gone":
                self.gone = True
        return events


class TurnReader:
    """Reads one streamed turn; ``done`` is set once the reply has arrived."""

    def __init__(self) -> None:
        self._parser = SseParser()
        self.done = False

    def feed(self, chunk: str) -> list[TurnEvent]:
        events: list[TurnEvent] = []
        for event, data in self._parser.feed(chunk):
            if event == "token":
                events.append(msgspec.json.decode(data, type=Token))
            elif event == "done":
                events.append(msgspec.json.decode(data, type=ChatReply))
                self.done = True
            elif event == "error":
                problem = msgspec.json.decode(data)
                status = problem.get("status") if isinstance(problem, dict) else None
                raise error_from_problem(int(status or 502),
                                         problem if isinstance(problem, dict) else {})
        return events

    def finish(self) -> None:
        if not self.done:
            raise UpstreamError("the API closed the stream before the answer was complete")
