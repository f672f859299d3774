"""A tenant turns its added routes off and on, and sends a route a test event: delivered at
once through the route's target as the dispatcher delivers (signed with its secret), with
the target's answer returned, and nothing stored."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from openbrain.domain import ForbiddenError, NotFoundError
from openbrain.domain.delivery import NewRoute
from openbrain.events import EventsService, LocalDispatcher
from openbrain.store import TableDriver, TenantStore
from tests.events.conftest import DispatcherFactory
from tests.events.support import Receiver, commit_events, make_event, webhook_tenant


def _service(driver: TableDriver, dispatcher: LocalDispatcher) -> EventsService:
    return EventsService(TenantStore(driver, "acme"), resolver=dispatcher._deliverer.resolver,
                         publisher=dispatcher, aws_mode=False,
                         deliverer=dispatcher._deliverer)


def test_a_disabled_route_gets_no_events_until_enabled(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url.replace("/hook", "/spec")))
    service = _service(driver, dispatcher)
    service.add_route(NewRoute(event_types=["lead.created"], url=receiver.url, route_id="crm"))

    off = service.set_enabled("crm", False)
    assert not off.enabled
    assert {r.route_id: r.enabled for r in service.list_routes()} == {"hook": True,
                                                                      "crm": False}
    first = make_event("acme")
    commit_events(driver, first)
    dispatcher.publish([first])
    assert dispatcher.drain(10)
    assert [c.path for c in receiver.calls] == ["/spec"]

    assert service.set_enabled("crm", True).enabled
    second = make_event("acme")
    commit_events(driver, second)
    dispatcher.publish([second])
    assert dispatcher.drain(10)
    assert sorted(c.path for c in receiver.calls) == ["/hook", "/spec", "/spec"]
    assert service.list_routes()[1].secret_created_at is not None  # the secret was kept


def test_spec_routes_change_in_the_spec_and_unknown_routes_are_404(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    service = _service(driver, dispatcher_for(webhook_tenant("acme", receiver.url)))
    with pytest.raises(ForbiddenError, match="declared in the tenant spec"):
        service.set_enabled("hook", False)
    with pytest.raises(NotFoundError):
        service.set_enabled("nope", False)
    with pytest.raises(NotFoundError):
        service.send_test_event("nope")


def test_a_test_event_reaches_the_route_alone_signed_and_leaves_no_trace(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url.replace("/hook", "/spec")))
    service = _service(driver, dispatcher)
    created = service.add_route(NewRoute(event_types=["lead.created"], url=receiver.url,
                                         route_id="crm"))
    service.set_enabled("crm", False)  # tested before it is switched on

    result = service.send_test_event("crm")
    assert result.delivered
    assert result.http_status == 200
    assert result.error is None
    [call] = receiver.calls
    assert call.path == "/hook"
    body = Webhook(created.secret).verify(call.body, call.headers)
    assert body["detail-type"] == "test.event"
    assert body["detail"]["eventId"] == result.event_id
    store = TenantStore(driver, "acme")
    assert store.deliveries.list()[0] == []
    assert store.outbox.get(result.event_id) is None

    # A refusal is reported, not raised: the test worked, the route did not.
    receiver.status = 410
    refused = service.send_test_event("crm")
    assert not refused.delivered
    assert refused.http_status == 410
    assert refused.error
    assert service.list_dead_letters()[0] == []
