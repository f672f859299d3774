"""EventBridge → per-tenant SQS queues (redrive to per-tenant DLQs) → the SQS handler,
through moto's server on 127.0.0.1, with the rules built from the routing plan."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from openbrain.domain import Event, Plan, Route, Tenant
from openbrain.event_targets.handler import handle_batch
from openbrain.events import EventBridgePublisher, EventDeliverer, sweep
from openbrain.events.backoff import Backoff
from openbrain.events.delivery import DeliveryOutcome
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import RoutingPlan, build_routing_plan
from tests.events.support import (
    Receiver,
    commit_events,
    deliverer_for,
    make_event,
    wire_detail,
)

pytestmark = pytest.mark.aws
FAST = Backoff(base=0.01, cap=0.02)


@pytest.fixture(name="moto_url", scope="module")
def fx_moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Aws:
    def __init__(self, url: str) -> None:
        self.events = boto3.client("events", endpoint_url=url, region_name="us-east-1")
        self.sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1")
        self.queues: dict[str, str] = {}

    def build(self, plan: RoutingPlan) -> None:
        """What the Pulumi program builds for a stage, from the same routing plan."""
        self.events.create_event_bus(Name=plan.bus_name)
        for t in plan.tenants:
            dlq = self.sqs.create_queue(QueueName=t.dead_letter_queue_name)["QueueUrl"]
            queue = self.sqs.create_queue(QueueName=t.queue_name, Attributes={
                "VisibilityTimeout": "0",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": self.arn(dlq),
                                             "maxReceiveCount": str(t.max_receive_count)}),
            })["QueueUrl"]
            self.queues[t.queue_name], self.queues[t.dead_letter_queue_name] = queue, dlq
            self.events.put_rule(Name=t.rule_name, EventBusName=plan.bus_name,
                                 EventPattern=json.dumps(t.event_pattern))
            self.events.put_targets(Rule=t.rule_name, EventBusName=plan.bus_name,
                                    Targets=[{"Id": "queue", "Arn": self.arn(queue)}])

    def arn(self, queue_url: str) -> str:
        attrs = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        return str(attrs["Attributes"]["QueueArn"])

    def receive(self, name: str) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queues[name], MaxNumberOfMessages=10, VisibilityTimeout=0,
            MessageSystemAttributeNames=["All"],
        )
        return [dict(m) for m in response.get("Messages", [])]

    def as_lambda_event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's SQS event source mapping hands the function."""
        return {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"], "attributes": m["Attributes"], "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
        } for m in messages]}


def tenants(receiver: Receiver) -> list[Tenant]:
    return [
        Tenant(client_id="tenant-a", name="A", plan=Plan(max_delivery_attempts=2), routes=[
            Route(route_id="hook", url=receiver.url, event_types=["lead.created"])]),
        Tenant(client_id="tenant-b", name="B", plan=Plan(max_delivery_attempts=2), routes=[
            Route(route_id="audit", kind="log", event_types=["lead.created"])]),
    ]


@pytest.fixture(name="stack")
def fx_stack(moto_url: str, receiver: Receiver) -> tuple[Aws, RoutingPlan]:
    aws = Aws(moto_url)
    plan = build_routing_plan(tenants(receiver), stage=f"t{uuid.uuid4().hex[:8]}")
    aws.build(plan)
    return aws, plan


def test_an_event_reaches_only_its_tenants_queue(
    driver: TableDriver, stack: tuple[Aws, RoutingPlan]
) -> None:
    aws, plan = stack
    event = make_event("tenant-a")
    commit_events(driver, event)
    publisher = EventBridgePublisher(aws.events, plan.bus_name, driver, backoff=FAST)
    assert publisher.publish([event]) == [event.event_id]

    a, b = plan.tenants
    [message] = aws.receive(a.queue_name)
    body = json.loads(message["Body"])
    assert (body["source"], body["detail-type"]) == ("openbrain", "lead.created")
    assert body["detail"] == wire_detail(event)
    assert aws.receive(b.queue_name) == []
    assert TenantStore(driver, "tenant-a").outbox.pending() == []


class OutageFor(EventDeliverer):
    """The deliverer, with the store unreachable for one tenant's events."""

    def __init__(self, inner: EventDeliverer, client_id: str) -> None:
        self.inner, self.client_id = inner, client_id
        self.resolver = inner.resolver

    def deliver(self, event: Event, attempt: int, *,
                deadline: float | None = None) -> DeliveryOutcome:
        if event.client_id == self.client_id:
            raise ConnectionError("store unreachable")
        return self.inner.deliver(event, attempt, deadline=deadline)


def _receive_until_empty(aws: Aws, plan: RoutingPlan, deliverer: EventDeliverer) -> None:
    for _ in range(10):  # what Lambda's event source mapping does, receive after receive
        for queue in (t.queue_name for t in plan.tenants):
            messages = aws.receive(queue)
            if not messages:
                continue
            response = handle_batch(aws.as_lambda_event(messages), deliverer)
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            for m in messages:
                if m["MessageId"] not in failed:
                    aws.sqs.delete_message(QueueUrl=aws.queues[queue],
                                           ReceiptHandle=m["ReceiptHandle"])


def test_a_route_out_of_attempts_is_a_dead_letter_not_a_dlq_message(
    driver: TableDriver, receiver: Receiver, stack: tuple[Aws, RoutingPlan]
) -> None:
    """The dead letter is the one record of it (redriven by API, dashboard or ob-admin, and
    counted by the alarm); the queue's message is settled on the last attempt."""
    aws, plan = stack
    receiver.status = 503  # tenant A's webhook is down
    a, _ = plan.tenants
    event_a, event_b = make_event("tenant-a"), make_event("tenant-b")
    commit_events(driver, event_a, event_b)
    EventBridgePublisher(aws.events, plan.bus_name, driver).publish([event_a, event_b])

    _receive_until_empty(aws, plan, deliverer_for(driver, plan))

    assert aws.receive(a.dead_letter_queue_name) == []
    assert aws.receive(a.queue_name) == []
    assert len(receiver.calls) == a.max_receive_count  # one POST per receive
    [letter], _ = TenantStore(driver, "tenant-a").dead_letters.list()
    assert (letter.event_id, letter.attempts) == (event_a.event_id, 2)
    assert TenantStore(driver, "tenant-b").dead_letters.list()[0] == []


def test_handler_failures_land_in_the_tenants_own_dlq(
    driver: TableDriver, receiver: Receiver, stack: tuple[Aws, RoutingPlan]
) -> None:
    aws, plan = stack
    a, b = plan.tenants
    event_a, event_b = make_event("tenant-a"), make_event("tenant-b")
    commit_events(driver, event_a, event_b)
    EventBridgePublisher(aws.events, plan.bus_name, driver).publish([event_a, event_b])

    _receive_until_empty(aws, plan, OutageFor(deliverer_for(driver, plan), "tenant-a"))

    [parked] = aws.receive(a.dead_letter_queue_name)
    assert json.loads(parked["Body"])["detail"]["eventId"] == event_a.event_id
    assert aws.receive(b.dead_letter_queue_name) == []
    assert aws.receive(a.queue_name) == []
    assert aws.receive(b.queue_name) == []
    attempts, _ = TenantStore(driver, "tenant-b").deliveries.list(event_id=event_b.event_id)
    assert [a.outcome for a in attempts] == ["delivered"]


class FlakyEvents:
    """Wraps the real client: on the first call EventBridge "refuses" the second entry
    (it is not sent, and the response reports it, as PutEvents does)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[int] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(len(Entries))
        if len(self.calls) > 1 or len(Entries) < 2:
            return dict(self.client.put_events(Entries=Entries))
        sent = [e for i, e in enumerate(Entries) if i != 1]
        results = list(self.client.put_events(Entries=sent)["Entries"])
        results.insert(1, {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
        return {"FailedEntryCount": 1, "Entries": results}


def test_failed_entries_are_retried_alone(
    driver: TableDriver, stack: tuple[Aws, RoutingPlan]
) -> None:
    aws, plan = stack
    events = [make_event("tenant-a") for _ in range(3)]
    commit_events(driver, *events)
    flaky = FlakyEvents(aws.events)
    published = EventBridgePublisher(flaky, plan.bus_name, driver, backoff=FAST).publish(events)

    assert sorted(published) == sorted(e.event_id for e in events)
    assert flaky.calls == [3, 1]  # only the refused entry was sent again
    received = aws.receive(plan.tenants[0].queue_name)
    assert sorted(json.loads(m["Body"])["detail"]["eventId"] for m in received) == sorted(
        e.event_id for e in events
    )
    assert TenantStore(driver, "tenant-a").outbox.pending() == []


def test_batches_of_ten_and_unpublished_events_stay_pending(
    driver: TableDriver, stack: tuple[Aws, RoutingPlan]
) -> None:
    aws, plan = stack
    events = [make_event("tenant-b") for _ in range(23)]
    commit_events(driver, *events)

    missing_bus = EventBridgePublisher(aws.events, "no-such-bus", driver, backoff=FAST)
    assert missing_bus.publish(events) == []
    assert len(TenantStore(driver, "tenant-b").outbox.pending()) == 23  # nothing lost

    flaky = FlakyEvents(aws.events)
    flaky.calls.append(0)  # no injected failure: count batch sizes only
    assert sweep(driver, ["tenant-a", "tenant-b"],
                 EventBridgePublisher(flaky, plan.bus_name, driver)) == 23
    assert flaky.calls[1:] == [10, 10, 3]
    assert TenantStore(driver, "tenant-b").outbox.pending() == []
