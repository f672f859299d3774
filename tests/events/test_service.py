"""The per-tenant service the API and ``ob-admin dlq`` use: routes, secrets, log, redrive."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from openbrain.domain import ConflictError, ForbiddenError, InvalidError, NotFoundError
from openbrain.domain.delivery import NewRoute
from openbrain.events import EventsService, LocalDispatcher
from openbrain.store import TableDriver, TenantStore
from tests.events.conftest import DispatcherFactory
from tests.events.support import Receiver, commit_events, make_event, webhook_tenant


def service_for(driver: TableDriver, dispatcher: LocalDispatcher, *, aws_mode: bool = False
                ) -> EventsService:
    return EventsService(TenantStore(driver, "acme"), resolver=dispatcher._deliverer.resolver,
                         publisher=dispatcher, aws_mode=aws_mode)


def test_added_route_secret_shown_once_and_rotatable(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    spec_receiver_url = receiver.url.replace("/hook", "/spec")
    dispatcher = dispatcher_for(webhook_tenant("acme", spec_receiver_url))
    service = service_for(driver, dispatcher)

    created = service.add_route(NewRoute(event_types=["lead.updated"], url=receiver.url,
                                         route_id="crm"))
    assert created.secret.startswith("whsec_")
    assert created.route.source == "added"
    assert created.route.secret_created_at is not None
    routes = {r.route_id: r for r in service.list_routes()}
    assert {(r.route_id, r.source) for r in routes.values()} == {("hook", "spec"),
                                                                  ("crm", "added")}
    assert created.secret not in repr(routes)

    event = make_event("acme", "lead.updated")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)
    [call] = [c for c in receiver.calls if c.path == "/hook"]
    Webhook(created.secret).verify(call.body, call.headers)

    rotated = service.rotate_secret("crm")
    assert rotated.secret != created.secret
    second = make_event("acme", "lead.updated")
    commit_events(driver, second)
    dispatcher.publish([second])
    assert dispatcher.drain(10)
    call = [c for c in receiver.calls if c.path == "/hook"][-1]
    Webhook(rotated.secret).verify(call.body, call.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(created.secret).verify(call.body, call.headers)

    with pytest.raises(ConflictError):
        service.add_route(NewRoute(event_types=["lead.created"], url=receiver.url,
                                   route_id="hook"))
    with pytest.raises(ForbiddenError):
        service.delete_route("hook")
    service.delete_route("crm")
    with pytest.raises(NotFoundError):
        service.rotate_secret("crm")
    assert [r.route_id for r in service.list_routes()] == ["hook"]


def test_aws_mode_refuses_private_routes(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    service = service_for(driver, dispatcher_for(webhook_tenant("acme", receiver.url)),
                          aws_mode=True)
    for url in (receiver.url, "https://169.254.169.254/x", "https://10.0.0.1/x"):
        with pytest.raises(InvalidError):
            service.add_route(NewRoute(event_types=["lead.created"], url=url))
    assert [r.route_id for r in service.list_routes()] == ["hook"]


def test_delivery_log_and_dead_letter_listing(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    receiver.status = 400
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url))
    service = service_for(driver, dispatcher)
    events = [make_event("acme") for _ in range(3)]
    commit_events(driver, *events)
    dispatcher.publish(events)
    assert dispatcher.drain(10)

    log, _ = service.list_deliveries(limit=10)
    assert len(log) == 3
    assert all(a.outcome == "dead" and a.http_status == 400 for a in log)
    only, _ = service.list_deliveries(event_id=events[0].event_id)
    assert [a.event_id for a in only] == [events[0].event_id]
    assert service.list_deliveries(route_id="other")[0] == []
    with pytest.raises(InvalidError):
        service.list_deliveries(limit=0)

    letters, _ = service.list_dead_letters()
    assert len(letters) == 3
    detail = service.get_dead_letter(letters[0].dead_letter_id)
    assert detail.event is not None
    assert detail.event.event_id == letters[0].event_id
    assert [a.outcome for a in detail.attempts] == ["dead"]

    receiver.status = 200
    assert service.redrive_all() == 3
    assert dispatcher.drain(10)
    assert receiver.unique_ids() == {e.event_id for e in events}
    assert service.list_dead_letters()[0] == []
    assert len(service.list_dead_letters(include_redriven=True)[0]) == 3
    with pytest.raises(ConflictError):
        service.redrive(letters[0].dead_letter_id)
    with pytest.raises(NotFoundError):
        service.redrive("nope")


def test_other_tenants_records_are_out_of_reach(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    receiver.status = 400
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url),
                                webhook_tenant("globex", receiver.url))
    event = make_event("globex")
    commit_events(driver, event)
    dispatcher.publish([event])
    assert dispatcher.drain(10)
    acme = service_for(driver, dispatcher)
    assert acme.list_dead_letters()[0] == []
    assert acme.list_deliveries()[0] == []
    globex = EventsService(TenantStore(driver, "globex"),
                           resolver=dispatcher._deliverer.resolver,
                           publisher=dispatcher, aws_mode=False)
    [letter], _ = globex.list_dead_letters()
    with pytest.raises(NotFoundError):
        acme.get_dead_letter(letter.dead_letter_id)
