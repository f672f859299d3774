"""Events: the outbox entry written in a turn's transaction, and its wire envelope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from openbrain.domain.base import ClientId, JsonObject, Record, Timestamp
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


def _moment(text: str) -> datetime:
    """An RFC 3339 time, or ``ValueError`` (which a decoder reports at the field's path)."""
    try:
        return msgspec.convert(text, datetime)
    except msgspec.ValidationError as exc:
        raise ValueError(f"occurredAt {text!r}: {exc}") from exc


class EventDetail(Record, kw_only=True, frozen=True):
    """The ``detail`` of an envelope: the event as consumers receive it (camelCase).

    ``occurred_at`` stays text so the wire keeps the ``+00:00`` form ``datetime.isoformat``
    writes (msgspec would write ``Z``); it is checked to be an RFC 3339 time all the same.
    """

    event_id: str
    client_id: ClientId
    session_id: str | None = None
    object_type: str
    object_id: str
    object: JsonObject = msgspec.field(default_factory=dict)
    occurred_at: str

    def __post_init__(self) -> None:
        _moment(self.occurred_at)

    @classmethod
    def of(cls, event: Event) -> EventDetail:
        return cls(
            event_id=event.event_id, client_id=event.client_id, session_id=event.session_id,
            object_type=event.object_type, object_id=event.object_id, object=event.object,
            occurred_at=event.occurred_at.isoformat(),
        )


class EventEnvelope(Record, kw_only=True, frozen=True):
    """An event on the wire: the body signed and posted to webhooks, and the message
    EventBridge puts on a tenant's queue (it adds ``id``, ``time``, ``account``...: ignored).
    Only OpenBrain's own ``source`` is accepted."""

    source: str
    detail_type: EventType = msgspec.field(name="detail-type")
    detail: EventDetail

    def __post_init__(self) -> None:
        if self.source != EVENT_SOURCE:
            raise ValueError(f"event source {self.source!r} is not {EVENT_SOURCE!r}")

    @classmethod
    def of(cls, event: Event) -> EventEnvelope:
        return cls(source=EVENT_SOURCE, detail_type=event.detail_type,
                   detail=EventDetail.of(event))

    def to_event(self) -> Event:
        """The domain event (not yet published, as far as this envelope can tell)."""
        d = self.detail
        return Event(
            event_id=d.event_id, client_id=d.client_id, detail_type=self.detail_type,
            session_id=d.session_id, object_type=d.object_type, object_id=d.object_id,
            object=d.object, occurred_at=_moment(d.occurred_at),
        )


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
