"""EventBridge and SQS under injected faults: events the bus refused stay pending and the
sweeper republishes them; SQS errors around the handler cost no event and deliver none twice."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from openbrain.domain import Plan, Route, Tenant
from openbrain.domain.event import Event
from openbrain.event_targets.handler import handle_batch
from openbrain.events import EventBridgePublisher, sweep
from openbrain.events.backoff import Backoff
from openbrain.store import TableDriver
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import RoutingPlan, build_routing_plan
from tests.events.support import Receiver, commit_events, deliverer_for, make_event
from tests.events.test_aws_routing import Aws
from tests.faults.conftest import aws_client
from tests.faults.proxy import FaultProxy, Rule

pytestmark = pytest.mark.aws
FAST = Backoff(base=0.01, cap=0.02)
ONE_SEND = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(name="driver")
def fx_driver(tmp_path: Path) -> Iterator[TableDriver]:
    driver = SQLiteDriver.from_path(tmp_path / "ob.db")
    yield driver
    driver.close()


@pytest.fixture(name="receiver")
def fx_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(name="stack")
def fx_stack(fault_moto: str, receiver: Receiver) -> tuple[Aws, RoutingPlan]:
    tenant = Tenant(client_id="tenant-a", name="A", plan=Plan(max_delivery_attempts=3),
                    routes=[Route(route_id="hook", url=receiver.url,
                                  event_types=["lead.created"])])
    aws = Aws(fault_moto)  # the stack is built straight on moto, without faults
    plan = build_routing_plan([tenant], stage=f"f{uuid.uuid4().hex[:8]}")
    aws.build(plan)
    return aws, plan


def _publisher(proxy: FaultProxy, plan: RoutingPlan, driver: TableDriver) -> EventBridgePublisher:
    return EventBridgePublisher(aws_client("events", proxy.url, ONE_SEND), plan.bus_name,
                                driver, backoff=FAST)


def _event_ids(messages: list[dict[str, Any]]) -> list[str]:
    return [json.loads(m["Body"])["detail"]["eventId"] for m in messages]


def _drain(aws: Aws, queue: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := aws.receive(queue):
        found += batch
        for m in batch:
            aws.sqs.delete_message(QueueUrl=aws.queues[queue], ReceiptHandle=m["ReceiptHandle"])
    return found


def _pending(driver: TableDriver) -> set[str]:
    return {e.event_id for e in TenantStore(driver, "tenant-a").outbox.pending()}


@pytest.mark.parametrize("fault", ["partial", "throttle", "internal"])
def test_refused_entries_stay_pending_until_the_sweeper_publishes_them(
    driver: TableDriver, proxy: FaultProxy, stack: tuple[Aws, RoutingPlan], fault: str
) -> None:
    aws, plan = stack
    queue = plan.tenants[0].queue_name
    events: list[Event] = [make_event("tenant-a") for _ in range(25)]
    commit_events(driver, *events)
    everything = {e.event_id for e in events}

    proxy.inject(Rule("events", fault, 1.0, "PutEvents"), seed=5)  # type: ignore[arg-type]
    published = set(_publisher(proxy, plan, driver).publish(events))
    assert proxy.faulted("events", "PutEvents") > 0
    assert published < everything  # some were refused even after the publisher's retries
    first = _drain(aws, queue)
    assert set(_event_ids(first)) == published  # accepted = on the bus = marked published
    assert _pending(driver) == everything - published  # the rest wait, none lost

    proxy.clear()
    assert sweep(driver, ["tenant-a"], _publisher(proxy, plan, driver)) == len(
        everything - published)
    second = _drain(aws, queue)
    assert _pending(driver) == set()
    ids = _event_ids(first) + _event_ids(second)
    assert sorted(ids) == sorted(everything)  # each event on the bus exactly once


def test_sqs_errors_around_the_handler_lose_nothing_and_deliver_once(
    driver: TableDriver, proxy: FaultProxy, stack: tuple[Aws, RoutingPlan], receiver: Receiver
) -> None:
    """Receives throttled, deletes failing with 500s (so messages come back): every event
    reaches the webhook, and a message handled twice is not delivered twice."""
    aws, plan = stack
    queue = plan.tenants[0].queue_name
    events = [make_event("tenant-a") for _ in range(6)]
    commit_events(driver, *events)
    assert len(_publisher(proxy, plan, driver).publish(events)) == 6
    sqs = aws_client("sqs", proxy.url, ONE_SEND)
    deliverer = deliverer_for(driver, plan)
    proxy.inject(Rule("sqs", "throttle", 0.4, "ReceiveMessage"),
                 Rule("sqs", "internal", 0.5, "DeleteMessage"), seed=11)
    receive_errors = delete_errors = handled = 0
    for _ in range(60):  # what Lambda's event source mapping does, receive after receive
        try:
            messages = sqs.receive_message(QueueUrl=aws.queues[queue], MaxNumberOfMessages=10,
                                           VisibilityTimeout=0,
                                           MessageSystemAttributeNames=["All"]).get("Messages", [])
        except sqs.exceptions.ClientError:
            receive_errors += 1
            continue
        if not messages:
            if _event_count(aws, queue) == 0:
                break
            continue
        response = handle_batch(aws.as_lambda_event(messages), deliverer)
        assert response["batchItemFailures"] == []
        handled += len(messages)
        for m in messages:
            try:
                sqs.delete_message(QueueUrl=aws.queues[queue], ReceiptHandle=m["ReceiptHandle"])
            except sqs.exceptions.ClientError:
                delete_errors += 1  # the message comes back and is handled again
    proxy.clear()
    assert receive_errors > 0
    assert delete_errors > 0
    assert handled > 6  # some messages were handled more than once...
    delivered = [json.loads(call.body)["detail"]["eventId"] for call in receiver.calls]
    assert sorted(delivered) == sorted(e.event_id for e in events)  # ...each delivered once


def _event_count(aws: Aws, queue: str) -> int:
    attrs = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queues[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    values = attrs["Attributes"]
    return int(values["ApproximateNumberOfMessages"]) + int(
        values["ApproximateNumberOfMessagesNotVisible"])
