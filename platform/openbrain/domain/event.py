"""Events: the outbox entry written in a turn's transaction, and its wire envelope."""

from __future__ import annotations

from typing import Any

import msgspec

from openbrain.domain.base import ClientId, Record, Timestamp
from openbrain.domain.tenant import EventType

EVENT_SOURCE = "openbrain"


class Event(Record, kw_only=True, frozen=True):
    """One event; ``event_id`` is unique and time-sortable, and consumers dedupe on it."""

    event_id: str
    client_id: ClientId
    detail_type: EventType
    session_id: str | None = None
    object_type: str
    object_id: str
    object: dict[str, Any] = msgspec.field(default_factory=dict)
    occurred_at: Timestamp
    published_at: Timestamp | None = None

    def detail(self) -> dict[str, Any]:
        """The ``detail`` of the EventBridge envelope (camelCase, as consumers receive it)."""
        return {
            "eventId": self.event_id,
            "clientId": self.client_id,
            "sessionId": self.session_id,
            "objectType": self.object_type,
            "objectId": self.object_id,
            "object": self.object,
            "occurredAt": self.occurred_at.isoformat(),
        }

    def envelope(self) -> dict[str, Any]:
        """The full envelope: ``{source, detail-type, detail}``."""
        return {"source": EVENT_SOURCE, "detail-type": self.detail_type, "detail": self.detail()}


class ToolAction(Record, kw_only=True, frozen=True):
    """A recorded tool call (kept when the profile sets ``recordToolActions``)."""

    client_id: ClientId
    session_id: str
    action_id: str
    tool: str
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    output: str | None = None
    error: str | None = None
    created_at: Timestamp


class Usage(Record, kw_only=True, frozen=True):
    """Token and turn counters of a tenant for one day and one profile."""

    client_id: ClientId
    day: str
    profile_name: str
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
