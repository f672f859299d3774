"""Embedded dispatcher → webhook target → a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from openbrain.events.service import EventsService
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from tests.events.conftest import DispatcherFactory
from tests.events.support import (
    Receiver,
    commit_events,
    make_event,
    webhook_tenant,
    wire_detail,
)


def test_signature_verifies_with_standardwebhooks(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    """The body is the envelope, signed with the route's whsec_ secret: a verifier no one
    here wrote accepts it."""
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url))
    event = make_event("acme")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)

    call = receiver.calls[0]
    secret = TenantStore(driver, "acme").routes.secret("hook")
    assert secret is not None
    assert secret.secret.startswith("whsec_")
    payload = Webhook(secret.secret).verify(call.body, call.headers)
    assert call.headers["webhook-id"] == event.event_id
    assert payload == {
        "source": "openbrain", "detail-type": "lead.created",
        "detail": {**wire_detail(event)},
    }
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 44).verify(call.body, call.headers)


def test_failing_receiver_is_retried_then_delivered_once(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    receiver.fail_first = 2
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url, attempts=5))
    events = [make_event("acme") for _ in range(3)]
    commit_events(driver, *events)
    dispatcher.publish(events)
    dispatcher.publish(events)  # a duplicate publish is absorbed (already queued)
    assert dispatcher.drain(10)

    assert receiver.unique_ids() == {e.event_id for e in events}
    assert len(receiver.delivered_ids()) == 3  # each eventId accepted exactly once
    assert len(receiver.calls) == 5  # two 503s, then three deliveries
    log, _ = TenantStore(driver, "acme").deliveries.list(limit=50)
    assert sorted(a.outcome for a in log) == ["delivered"] * 3 + ["retrying"] * 2
    assert {a.http_status for a in log} == {200, 503}
    assert all(a.latency_ms > 0 for a in log)
    assert TenantStore(driver, "acme").outbox.pending() == []
    assert TenantStore(driver, "acme").dead_letters.list()[0] == []


def test_receiver_down_dead_letters_then_redrive_delivers(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    receiver.stop()  # connection refused from now on
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url, attempts=3))
    event = make_event("acme")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)

    letters, _ = TenantStore(driver, "acme").dead_letters.list()
    assert [(d.event_id, d.route_id, d.attempts) for d in letters] == [
        (event.event_id, "hook", 3)
    ]
    assert letters[0].last_error == "ConnectError"
    assert TenantStore(driver, "acme").outbox.get(event.event_id) is not None  # nothing lost
    attempts, _ = TenantStore(driver, "acme").deliveries.list(event_id=event.event_id)
    assert [a.outcome for a in reversed(attempts)] == ["retrying", "retrying", "dead"]

    receiver.start()
    service = EventsService(TenantStore(driver, "acme"), resolver=dispatcher._deliverer.resolver,
                            publisher=dispatcher, aws_mode=False)
    redriven = service.redrive(letters[0].dead_letter_id)
    assert redriven.state == "redriven"
    assert redriven.redriven_at is not None
    assert dispatcher.drain(10)
    assert receiver.delivered_ids() == [event.event_id]
    assert TenantStore(driver, "acme").dead_letters.list()[0] == []
    assert TenantStore(driver, "acme").outbox.pending() == []


def test_client_error_is_permanent_at_once(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    receiver.status = 410
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url, attempts=5))
    event = make_event("acme")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)
    assert len(receiver.calls) == 1
    [letter], _ = TenantStore(driver, "acme").dead_letters.list()
    assert (letter.attempts, letter.last_error) == (1, "HTTP 410")


@pytest.mark.parametrize("status", [408, 429, 500])
def test_retryable_statuses(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory, status: int
) -> None:
    receiver.fail_first, receiver.fail_status = 1, status
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url, attempts=5))
    event = make_event("acme")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)
    assert receiver.delivered_ids() == [event.event_id]
    assert len(receiver.calls) == 2


def test_only_routes_for_the_event_type(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url))
    event = make_event("acme", "handoff.requested")  # the route takes lead.* only
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)
    assert receiver.calls == []
    assert TenantStore(driver, "acme").outbox.pending() == []
