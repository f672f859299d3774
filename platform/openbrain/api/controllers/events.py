"""Event delivery for a tenant: outbox events, routes (and their signing secrets), the
delivery log, dead letters and redrive. Thin: :class:`openbrain.events.service.EventsService`
does the work."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, QueryParameter

from openbrain.api.controllers._common import CursorParam, IdParam, LimitParam
from openbrain.api.deps import ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import DeadLetterPage, DeliveryPage, EventPage, Redriven
from openbrain.domain.delivery import (
    DeadLetter,
    DeadLetterDetail,
    NewRoute,
    RouteChanges,
    RouteInfo,
    RouteTestResult,
    RouteWithSecret,
)
from openbrain.domain.ids import IDENTIFIER
from openbrain.events.service import EventsService


def _id_query(name: str) -> Any:
    """An optional id filter under its camelCase query name (one Parameter, so both the wire
    name and the pattern apply: nesting two Parameters lets the inner one win)."""
    return QueryParameter(name=name, required=False, pattern=IDENTIFIER.anchored)


_guard = [requires_scope("events:manage")]


def events_service(services: ServicesDep, store: StoreDep) -> EventsService:
    return EventsService(store, resolver=services.route_resolver(),
                         publisher=services.publisher, aws_mode=services.settings.aws_mode,
                         deliverer=services.deliverer())


class EventsController(Controller):
    path = "/v1"
    tags = ["events"]

    @get("/events", operation_id="listEvents", guards=_guard, sync_to_thread=True)
    def list_events(self, store: StoreDep, limit: LimitParam = 50, cursor: CursorParam = None,
                    session_id: Annotated[str | None, _id_query("sessionId")] = None,
                    ) -> EventPage:
        where = None if session_id is None else (lambda e: e.session_id == session_id)
        found, cursor = store.outbox.list(limit=limit, cursor=cursor, where=where)
        return EventPage(items=found, cursor=cursor)

    @get("/routes", operation_id="listRoutes", guards=_guard, sync_to_thread=True)
    def list_routes(self, services: ServicesDep, store: StoreDep) -> list[RouteInfo]:
        return events_service(services, store).list_routes()

    @post("/routes", operation_id="addRoute", guards=_guard, status_code=201, sync_to_thread=True)
    def add_route(
        self, data: JSONBody[NewRoute], services: ServicesDep, store: StoreDep
    ) -> RouteWithSecret:
        return events_service(services, store).add_route(data)

    @post("/routes/{route_id:str}/rotate-secret", operation_id="rotateRouteSecret", guards=_guard,
          status_code=200, sync_to_thread=True)
    def rotate(self, route_id: IdParam, services: ServicesDep, store: StoreDep) -> RouteWithSecret:
        return events_service(services, store).rotate_secret(route_id)

    @patch("/routes/{route_id:str}", operation_id="changeRoute", guards=_guard,
           sync_to_thread=True)
    def change_route(self, route_id: IdParam, data: JSONBody[RouteChanges],
                     services: ServicesDep, store: StoreDep) -> RouteInfo:
        """Disable (``{"enabled": false}``) or enable an added route; a spec's routes change
        in the spec (403)."""
        return events_service(services, store).set_enabled(route_id, data.enabled)

    @post("/routes/{route_id:str}/test", operation_id="testRoute", guards=_guard,
          status_code=200, sync_to_thread=True)
    def test_route(self, route_id: IdParam, services: ServicesDep,
                   store: StoreDep) -> RouteTestResult:
        """Send the route a ``test.event`` now, through its target, and answer how it went
        (a refusal by the target is a 200 saying so: the test worked, the route did not)."""
        return events_service(services, store).send_test_event(route_id)

    @delete("/routes/{route_id:str}", operation_id="deleteRoute", guards=_guard,
            sync_to_thread=True)
    def delete_route(self, route_id: IdParam, services: ServicesDep, store: StoreDep) -> None:
        events_service(services, store).delete_route(route_id)

    @get("/deliveries", operation_id="listDeliveries", guards=_guard, sync_to_thread=True)
    def list_deliveries(
        self, services: ServicesDep, store: StoreDep, limit: LimitParam = 50,
        cursor: CursorParam = None,
        event_id: Annotated[str | None, _id_query("eventId")] = None,
        route_id: Annotated[str | None, _id_query("routeId")] = None,
    ) -> DeliveryPage:
        items, next_cursor = events_service(services, store).list_deliveries(
            event_id=event_id, route_id=route_id, limit=limit, cursor=cursor)
        return DeliveryPage(items=items, cursor=next_cursor)

    @get("/dead-letters", operation_id="listDeadLetters", guards=_guard, sync_to_thread=True)
    def list_dead_letters(
        self, services: ServicesDep, store: StoreDep, limit: LimitParam = 50,
        cursor: CursorParam = None,
        include_redriven: Annotated[bool, QueryParameter(name="includeRedriven")] = False,
    ) -> DeadLetterPage:
        items, next_cursor = events_service(services, store).list_dead_letters(
            include_redriven=include_redriven, limit=limit, cursor=cursor)
        return DeadLetterPage(items=items, cursor=next_cursor)

    @get("/dead-letters/{dead_letter_id:str}", operation_id="getDeadLetter", guards=_guard,
         sync_to_thread=True)
    def get_dead_letter(self, dead_letter_id: IdParam, services: ServicesDep,
                        store: StoreDep) -> DeadLetterDetail:
        return events_service(services, store).get_dead_letter(dead_letter_id)

    @post("/dead-letters/{dead_letter_id:str}/redrive", operation_id="redriveDeadLetter",
          guards=_guard, status_code=200, sync_to_thread=True)
    def redrive(self, dead_letter_id: IdParam, services: ServicesDep,
                store: StoreDep) -> DeadLetter:
        return events_service(services, store).redrive(dead_letter_id)

    @post("/dead-letters/redrive", operation_id="redriveAllDeadLetters", guards=_guard,
          status_code=200, sync_to_thread=True)
    def redrive_all(self, services: ServicesDep, store: StoreDep) -> Redriven:
        return Redriven(redriven=events_service(services, store).redrive_all())

