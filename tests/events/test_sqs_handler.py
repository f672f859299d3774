"""The SQS Lambda handler on real SQS-shaped events: partial batch failures."""

from __future__ import annotations

import json
from typing import Any

from openbrain.domain import Event, Plan, Route, Tenant
from openbrain.event_targets.handler import handle_batch
from openbrain.events.service import EventsService
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import build_routing_plan
from tests.events.support import Receiver, deliverer_for, make_event, wire_detail


def sqs_record(message_id: str, body: str, receive_count: int = 1) -> dict[str, Any]:
    """One record as Lambda's SQS event source mapping delivers it."""
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:openbrain-test-acme-events",
        "awsRegion": "us-east-1",
    }


def eventbridge_body(event: Event) -> str:
    """The message EventBridge puts on the queue (extra fields the handler ignores)."""
    return json.dumps({
        "version": "0", "id": "0f6c3d1e", "detail-type": event.detail_type,
        "source": "openbrain", "account": "123456789012", "time": "2025-01-01T00:00:00Z",
        "region": "us-east-1", "resources": [], "detail": wire_detail(event),
    })


def test_partial_batch_failure_payload(driver: TableDriver, receiver: Receiver) -> None:
    receiver.status = 503
    tenants = [
        Tenant(client_id="acme", name="Acme", plan=Plan(max_delivery_attempts=3), routes=[
            Route(route_id="audit", kind="log", event_types=["lead.created"]),
            Route(route_id="hook", url=receiver.url, event_types=["lead.updated"]),
        ]),
    ]
    deliverer = deliverer_for(driver, build_routing_plan(tenants, stage="test"))
    good = make_event("acme", "lead.created")
    failing = make_event("acme", "lead.updated")
    last_try = make_event("acme", "lead.updated")
    event = {"Records": [
        sqs_record("m-good", eventbridge_body(good)),
        sqs_record("m-garbage", "{not json"),
        sqs_record("m-503", eventbridge_body(failing)),
        sqs_record("m-foreign", json.dumps({"source": "other", "detail-type": "x",
                                            "detail": {}})),
        sqs_record("m-last", eventbridge_body(last_try), receive_count=3),
    ]}

    response = handle_batch(event, deliverer)

    # The good record is settled (deleted); the others are retried by SQS, except the one on
    # its last receive: recorded as a dead letter (what operators redrive), it is settled too.
    assert response == {"batchItemFailures": [
        {"itemIdentifier": "m-garbage"},
        {"itemIdentifier": "m-503"},
        {"itemIdentifier": "m-foreign"},
    ]}
    letters, _ = TenantStore(driver, "acme").dead_letters.list()
    assert [(d.event_id, d.attempts) for d in letters] == [(last_try.event_id, 3)]
    attempts, _ = TenantStore(driver, "acme").deliveries.list(event_id=good.event_id)
    assert [(a.route_id, a.outcome) for a in attempts] == [("audit", "delivered")]


def test_a_permanent_failure_is_settled_at_once(driver: TableDriver, receiver: Receiver) -> None:
    """A 4xx goes to the tenant's dead letters at once; SQS need not retry it."""
    receiver.status = 404
    tenants = [Tenant(client_id="acme", name="Acme", routes=[
        Route(route_id="hook", url=receiver.url, event_types=["lead.created"])])]
    deliverer = deliverer_for(driver, build_routing_plan(tenants, stage="test"))
    event = make_event("acme")
    batch = {"Records": [sqs_record("m1", eventbridge_body(event))]}
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}
    [letter], _ = TenantStore(driver, "acme").dead_letters.list()
    assert (letter.event_id, letter.attempts, letter.last_error) == (event.event_id, 1, "HTTP 404")


def test_a_settled_route_is_not_delivered_again(driver: TableDriver, receiver: Receiver) -> None:
    """SQS may deliver a message twice: the receiver still sees the event once."""
    tenants = [Tenant(client_id="acme", name="Acme", routes=[
        Route(route_id="hook", url=receiver.url, event_types=["lead.created"])])]
    deliverer = deliverer_for(driver, build_routing_plan(tenants, stage="test"))
    event = make_event("acme")
    batch = {"Records": [sqs_record("m1", eventbridge_body(event))]}
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}
    assert receiver.delivered_ids() == [event.event_id]


def _dead_then_fixed(driver: TableDriver, receiver: Receiver) -> tuple[Any, Event, dict[str, Any]]:
    """A route that answered 404 (dead letter), then was fixed."""
    receiver.status = 404
    tenants = [Tenant(client_id="acme", name="Acme", routes=[
        Route(route_id="hook", url=receiver.url, event_types=["lead.created"])])]
    deliverer = deliverer_for(driver, build_routing_plan(tenants, stage="test"))
    event = make_event("acme")
    TenantStore(driver, "acme").outbox.add(event)
    TenantStore(driver, "acme").outbox.mark_published(event)  # as EventBridge's publisher does
    batch = {"Records": [sqs_record("m1", eventbridge_body(event))]}
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}
    receiver.status = 200
    return deliverer, event, batch


def test_a_message_moved_back_from_the_dlq_redrives_its_dead_letter(
        driver: TableDriver, receiver: Receiver) -> None:
    """The SQS runbook's redrive: the event comes back through its queue; the route's open
    dead letter is claimed and the event delivered, once, however often it comes back."""
    deliverer, event, batch = _dead_then_fixed(driver, receiver)

    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}

    # the 404, then the one delivery
    assert [c.headers["webhook-id"] for c in receiver.calls] == [event.event_id] * 2
    store = TenantStore(driver, "acme")
    assert store.dead_letters.list()[0] == []
    [letter], _ = store.dead_letters.list(include_redriven=True)
    assert letter.state == "redriven"
    assert store.outbox.pending() == [], "delivered now: not left for the sweeper"


def test_an_api_redrive_and_a_queue_redrive_deliver_once(
        driver: TableDriver, receiver: Receiver) -> None:
    deliverer, event, batch = _dead_then_fixed(driver, receiver)
    store = TenantStore(driver, "acme")
    [letter], _ = store.dead_letters.list()
    service = EventsService(store, resolver=deliverer.resolver, publisher=None, aws_mode=False)

    service.redrive(letter.dead_letter_id)  # the API's redrive republishes the event ...
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}  # ... it arrives
    assert handle_batch(batch, deliverer) == {"batchItemFailures": []}  # a stale DLQ copy

    assert [c.headers["webhook-id"] for c in receiver.calls] == [event.event_id] * 2
