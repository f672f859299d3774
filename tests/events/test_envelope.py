"""The event envelope Structs: the published wire format, kept byte for byte, round-trips,
and malformed envelopes refused with an error that names the field."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import msgspec
import pytest

from openbrain.domain import Event, InvalidError
from openbrain.domain.event import EventEnvelope
from openbrain.events.envelope import detail_json, envelope_json, event_from_envelope
from tests.events.support import make_event, wire_detail

EVENT = Event(
    event_id="01JABCDEFGHJKMNPQRSTVWXYZ0", client_id="acme", detail_type="lead.updated",
    object_type="lead", object_id="L1", object={"firstName": "Zoë", "tags": [1, None]},
    occurred_at=datetime(2025, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC),
)


def test_envelope_bytes_are_the_published_format() -> None:
    assert envelope_json(EVENT) == (
        b'{"source":"openbrain","detail-type":"lead.updated","detail":{'
        b'"eventId":"01JABCDEFGHJKMNPQRSTVWXYZ0","clientId":"acme","sessionId":null,'
        b'"objectType":"lead","objectId":"L1","object":{"firstName":"Zo\xc3\xab","tags":[1,null]},'
        b'"occurredAt":"2025-01-02T03:04:05.678000+00:00"}}'
    )


def test_eventbridge_detail_is_the_envelope_detail() -> None:
    event = make_event("acme")
    assert json.loads(detail_json(event)) == wire_detail(event)
    assert json.loads(envelope_json(event))["detail"] == wire_detail(event)


def test_round_trip() -> None:
    for event in (EVENT, make_event("tenant-a", "lead.created")):
        assert event_from_envelope(envelope_json(event)) == event
        assert event_from_envelope(envelope_json(event).decode()) == event


def test_eventbridge_extras_are_ignored() -> None:
    message = {"version": "0", "id": "x", "account": "1", "time": "2025-01-01T00:00:00Z",
               **json.loads(envelope_json(EVENT))}
    assert event_from_envelope(json.dumps(message)) == EVENT


def _with(path: tuple[str, ...], value: object) -> bytes:
    body = json.loads(envelope_json(EVENT))
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(body).encode()


_DROP = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("source",), "someone-else", "event source 'someone-else' is not 'openbrain'"),
        (("detail-type",), "lead.exploded", "at `$.detail-type`"),
        (("detail",), _DROP, "missing required field `detail`"),
        (("detail", "eventId"), _DROP, "missing required field `eventId` - at `$.detail`"),
        (("detail", "clientId"), "acme\n", "at `$.detail.clientId`"),
        (("detail", "clientId"), "x-acme-", "at `$.detail.clientId`"),
        (("detail", "occurredAt"), "yesterday", "occurredAt 'yesterday'"),
        (("detail", "object"), [1], "Expected `object`, got `array` - at `$.detail.object`"),
    ],
    ids=["source", "detail-type", "no-detail", "no-event-id", "client-newline",
         "client-suffix", "time", "object"],
)
def test_malformed_envelopes_are_refused(path: tuple[str, ...], value: object,
                                         message: str) -> None:
    body = _with(path, value)
    with pytest.raises(msgspec.ValidationError, match=re.escape(message)) as direct:
        msgspec.json.decode(body, type=EventEnvelope)
    with pytest.raises(InvalidError, match="not an OpenBrain event envelope") as wrapped:
        event_from_envelope(body)
    assert str(direct.value) in str(wrapped.value)


def test_garbage_is_refused() -> None:
    with pytest.raises(InvalidError, match="not an OpenBrain event envelope"):
        event_from_envelope(b"{not json")
