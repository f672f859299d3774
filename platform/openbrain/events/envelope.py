"""The wire form of an event: the envelope posted to webhooks, and its decoding from the
EventBridge message an SQS record carries (``{source, detail-type, detail, ...}``)."""

from __future__ import annotations

from typing import Any

import msgspec

from openbrain.domain.base import ClientId, Timestamp
from openbrain.domain.errors import InvalidError
from openbrain.domain.event import EVENT_SOURCE, Event
from openbrain.domain.tenant import EventType


class _Detail(msgspec.Struct, rename="camel", kw_only=True):
    event_id: str
    client_id: ClientId
    session_id: str | None = None
    object_type: str
    object_id: str
    object: dict[str, Any] = msgspec.field(default_factory=dict)
    occurred_at: Timestamp


class _Envelope(msgspec.Struct, kw_only=True):
    """EventBridge adds ``id``, ``time``, ``account``...: ignored, the detail is the event."""

    source: str
    detail_type: EventType = msgspec.field(name="detail-type")
    detail: _Detail


_decoder = msgspec.json.Decoder(_Envelope)
_encoder = msgspec.json.Encoder()


def envelope_json(event: Event) -> bytes:
    """The envelope as JSON bytes (the exact body that is signed and posted)."""
    return _encoder.encode(event.envelope())


def event_from_envelope(body: str | bytes) -> Event:
    """Decode an envelope into the domain event. Raises :class:`InvalidError` if malformed."""
    try:
        envelope = _decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise InvalidError(f"not an OpenBrain event envelope: {exc}") from exc
    if envelope.source != EVENT_SOURCE:
        raise InvalidError(f"event source {envelope.source!r} is not {EVENT_SOURCE!r}")
    d = envelope.detail
    return Event(
        event_id=d.event_id,
        client_id=d.client_id,
        detail_type=envelope.detail_type,
        session_id=d.session_id,
        object_type=d.object_type,
        object_id=d.object_id,
        object=d.object,
        occurred_at=d.occurred_at,
    )
