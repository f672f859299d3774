"""The event-target function answers within its time: concurrent records, attempts bounded by
the Lambda context's remaining time, unattempted records reported as failures."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from openbrain.domain import Plan, Route, Tenant
from openbrain.event_targets.handler import MARGIN_SECONDS, deadline_of, handle_batch
from openbrain.events import EventDeliverer, RouteResolver
from openbrain.events.targets import default_targets
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import build_routing_plan
from tests.events.support import HangingEndpoint, Receiver, make_event
from tests.events.test_sqs_handler import eventbridge_body, sqs_record

WEBHOOK_TIMEOUT = 10.0  # the deployed default (default_targets)


class FakeContext:
    """Lambda's context object: the time left before the function times out."""

    def __init__(self, timeout: float) -> None:
        self._ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


@pytest.fixture(name="hanging")
def fx_hanging() -> Iterator[HangingEndpoint]:
    endpoint = HangingEndpoint()
    yield endpoint
    endpoint.stop()


def _deliverer(driver: TableDriver, *routes: Route) -> EventDeliverer:
    tenant = Tenant(client_id="acme", name="Acme", plan=Plan(max_delivery_attempts=5),
                    routes=list(routes))
    plan = build_routing_plan([tenant], stage="test")
    return EventDeliverer(driver, RouteResolver(driver, plan),
                          default_targets(aws_mode=False, timeout=WEBHOOK_TIMEOUT))


def _batch(detail_types: list[str]) -> tuple[dict[str, list[dict[str, object]]], list[str]]:
    events = [make_event("acme", t) for t in detail_types]
    records = [sqs_record(f"m{i}", eventbridge_body(e)) for i, e in enumerate(events)]
    return {"Records": records}, [e.event_id for e in events]


def test_deadline_comes_from_the_context() -> None:
    before = time.monotonic()
    deadline = deadline_of(FakeContext(60.0))
    assert deadline is not None
    assert 60.0 - MARGIN_SECONDS - 0.5 < deadline - before <= 60.0 - MARGIN_SECONDS
    assert deadline_of(None) is None


def test_a_batch_of_ten_to_a_hanging_endpoint_ends_inside_the_function_timeout(
        driver: TableDriver, hanging: HangingEndpoint) -> None:
    """Ten records at 10 s each one after the other would take 100 s; the function has 8."""
    deliverer = _deliverer(driver, Route(route_id="hook", url=hanging.url,
                                         event_types=["lead.created"]))
    batch, event_ids = _batch(["lead.created"] * 10)
    context = FakeContext(8.0)
    started = time.monotonic()

    answer = handle_batch(batch, deliverer, deadline=deadline_of(context))

    elapsed = time.monotonic() - started
    assert elapsed < 8.0 - 0.5, f"took {elapsed:.1f}s"
    assert context.get_remaining_time_in_millis() > 0
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m{i}"} for i in range(10)]}
    assert hanging.requests == 10, "every record attempted once, side by side"
    store = TenantStore(driver, "acme")
    for event_id in event_ids:
        (attempt,), _ = store.deliveries.list(event_id=event_id)
        assert (attempt.outcome, attempt.error) == ("retrying", "timeout")


def test_records_there_is_no_time_for_are_not_attempted(
        driver: TableDriver, hanging: HangingEndpoint) -> None:
    deliverer = _deliverer(driver, Route(route_id="hook", url=hanging.url,
                                         event_types=["lead.created"]))
    batch, event_ids = _batch(["lead.created"] * 10)
    started = time.monotonic()

    answer = handle_batch(batch, deliverer, deadline=started + 2.5, workers=2)

    assert time.monotonic() - started < 2.5 + MARGIN_SECONDS
    assert len(answer["batchItemFailures"]) == 10
    assert hanging.requests == 2, "only the two records that had time were attempted"
    store = TenantStore(driver, "acme")
    attempted = [e for e in event_ids if store.deliveries.list(event_id=e)[0]]
    assert len(attempted) == 2


def test_delivered_records_are_not_sent_again_when_others_hang(
        driver: TableDriver, hanging: HangingEndpoint, receiver: Receiver) -> None:
    deliverer = _deliverer(
        driver,
        Route(route_id="fast", url=receiver.url, event_types=["lead.created"]),
        Route(route_id="stuck", url=hanging.url, event_types=["lead.updated"]),
    )
    batch, event_ids = _batch(["lead.created", "lead.updated"] * 5)

    answer = handle_batch(batch, deliverer, deadline=deadline_of(FakeContext(6.0)))

    failed = [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    assert failed == [f"m{i}" for i in range(1, 10, 2)], "only the records that hung"
    assert sorted(receiver.delivered_ids()) == sorted(event_ids[0::2])
    # SQS sends the failed records again (second receive): the delivered ones are not among
    # them, so the fast route still has each of its events once.
    hanging.stop()
    again = {"Records": [{**r, "attributes": {**r["attributes"], "ApproximateReceiveCount": "2"}}
                         for r in batch["Records"] if r["messageId"] in failed]}
    handle_batch(again, deliverer, deadline=deadline_of(FakeContext(6.0)))
    assert sorted(receiver.delivered_ids()) == sorted(event_ids[0::2]), "none delivered twice"
