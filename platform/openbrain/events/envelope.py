"""The wire form of an event, through :class:`~openbrain.domain.event.EventEnvelope`: the body
posted to webhooks, the ``Detail`` of an EventBridge entry, and the decoding of the EventBridge
message an SQS record carries (``{source, detail-type, detail, ...}``)."""

from __future__ import annotations

import msgspec

from openbrain.domain.errors import InvalidError
from openbrain.domain.event import Event, EventDetail, EventEnvelope

_decoder = msgspec.json.Decoder(EventEnvelope)
_encoder = msgspec.json.Encoder()


def envelope_json(event: Event) -> bytes:
    """The envelope as JSON bytes (the exact body that is signed and posted)."""
    return _encoder.encode(EventEnvelope.of(event))


def detail_json(event: Event) -> str:
    """The envelope's ``detail`` as JSON text (an EventBridge entry's ``Detail``)."""
    return _encoder.encode(EventDetail.of(event)).decode()


def event_from_envelope(body: str | bytes) -> Event:
    """Decode an envelope into the domain event. Raises :class:`InvalidError` if malformed."""
    try:
        return _decoder.decode(body).to_event()
    except msgspec.DecodeError as exc:
        raise InvalidError(f"not an OpenBrain event envelope: {exc}") from exc
