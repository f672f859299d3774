"""What the API (and ``ob-admin dlq``) offer a tenant over its event delivery: routes and
their signing secrets, the delivery log, dead letters and redrive. Bound to one tenant."""

from __future__ import annotations

import msgspec

from openbrain.domain.base import new_id, utcnow
from openbrain.domain.delivery import (
    AddedRoute,
    DeadLetter,
    DeadLetterDetail,
    DeliveryAttempt,
    NewRoute,
    RouteInfo,
    RouteSecret,
    RouteSource,
    RouteTestResult,
    RouteWithSecret,
)
from openbrain.domain.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from openbrain.domain.event import Event
from openbrain.domain.tenant import Route
from openbrain.events.delivery import EventDeliverer
from openbrain.events.publisher import EventPublisher
from openbrain.events.routes import RouteResolver
from openbrain.events.signing import new_secret
from openbrain.events.ssrf import check_target_url
from openbrain.store.tenant_store import TenantStore

MAX_LIMIT = 200
TEST_TIMEOUT = 10.0
"""Seconds a test event's delivery may take (the request waits for it)."""


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


class EventsService:
    """``publisher`` is used by redrive to deliver again (EventBridge in AWS, the dispatcher
    when embedded; without one, a redriven event waits pending for the next sweep);
    ``aws_mode`` refuses non-public webhook URLs when a route is added."""

    def __init__(
        self,
        store: TenantStore,
        *,
        resolver: RouteResolver,
        publisher: EventPublisher | None,
        aws_mode: bool,
        deliverer: EventDeliverer | None = None,
    ) -> None:
        self._store = store
        self.client_id = store.client_id
        self._resolver = resolver
        self._publisher = publisher
        self._aws_mode = aws_mode
        self._deliverer = deliverer

    # -- routes ------------------------------------------------------------------------------

    def list_routes(self) -> list[RouteInfo]:
        return [self._info(r, s) for r, s in self._resolver.for_tenant(self.client_id).routes]

    def add_route(self, new: NewRoute) -> RouteWithSecret:
        """Add a webhook route; its secret is generated and returned this once."""
        check_target_url(new.url, aws_mode=self._aws_mode, resolve=None)
        route_id = new.route_id or f"wh-{new_id().lower()}"
        if any(r.route_id == route_id for r, _ in self._tenant_routes()):
            raise ConflictError(f"route {route_id!r} already exists")
        route = Route(route_id=route_id, event_types=list(new.event_types), kind="webhook",
                      url=new.url)
        added = AddedRoute(client_id=self.client_id, route=route, created_at=utcnow())
        self._store.routes.add(added)
        return self._new_secret(route, "added")

    def rotate_secret(self, route_id: str) -> RouteWithSecret:
        """A new secret for a webhook route (spec or added); the old one stops working."""
        route, source = self._route(route_id)
        if route.kind != "webhook":
            raise InvalidError(f"route {route_id!r} is a {route.kind!r} route: nothing is signed")
        return self._new_secret(route, source)

    def set_enabled(self, route_id: str, enabled: bool) -> RouteInfo:
        """Turn an added route on or off: a disabled route gets no events (none are queued
        for it meanwhile) until it is enabled again."""
        _, source = self._route(route_id)
        if source == "spec":
            raise ForbiddenError(f"route {route_id!r} is declared in the tenant spec; set "
                                 "enabled = true or false on it there")
        return self._info(self._store.routes.set_enabled(route_id, enabled).route, "added")

    def send_test_event(self, route_id: str) -> RouteTestResult:
        """A ``test.event`` to this route alone, delivered at once through its target (as
        the dispatcher delivers: signed with its secret, the same SSRF rules); nothing is
        stored, so the outbox, delivery log and dead letters stay the tenant's real events.
        A disabled route can be tested before it is enabled."""
        route, _ = self._route(route_id)
        if self._deliverer is None:
            raise InvalidError("test events are not available here: no event deliverer")
        now = utcnow()
        event = Event(event_id=new_id(), client_id=self.client_id, detail_type="test.event",
                      object_type="test", object_id=new_id(),
                      object={"note": "A test event sent to check this route."},
                      occurred_at=now)
        result, seconds = self._deliverer.try_route(event, route, timeout=TEST_TIMEOUT)
        return RouteTestResult(route_id=route_id, event_id=event.event_id,
                               delivered=result.ok, http_status=result.http_status,
                               latency_ms=round(seconds * 1000, 1), error=result.error)

    def delete_route(self, route_id: str) -> None:
        _, source = self._route(route_id)
        if source == "spec":
            raise ForbiddenError(
                f"route {route_id!r} is declared in the tenant spec; change the spec instead"
            )
        self._store.routes.delete(route_id)

    # -- delivery log --------------------------------------------------------------------------

    def list_deliveries(
        self, *, event_id: str | None = None, route_id: str | None = None,
        limit: int = 50, cursor: str | None = None,
    ) -> tuple[list[DeliveryAttempt], str | None]:
        return self._store.deliveries.list(
            event_id=event_id, route_id=route_id, limit=_check_limit(limit), cursor=cursor
        )

    # -- dead letters --------------------------------------------------------------------------

    def list_dead_letters(
        self, *, include_redriven: bool = False, limit: int = 50, cursor: str | None = None
    ) -> tuple[list[DeadLetter], str | None]:
        return self._store.dead_letters.list(
            include_redriven=include_redriven, limit=_check_limit(limit), cursor=cursor
        )

    def find_dead_letter(self, dead_letter_id: str) -> DeadLetter | None:
        return self._store.dead_letters.get(dead_letter_id)

    def get_dead_letter(self, dead_letter_id: str) -> DeadLetterDetail:
        letter = self._require(dead_letter_id)
        attempts, _ = self._store.deliveries.list(
            event_id=letter.event_id, route_id=letter.route_id, limit=MAX_LIMIT
        )
        event = self._store.outbox.get(letter.event_id)
        return DeadLetterDetail(dead_letter=letter, event=event, attempts=attempts)

    def redrive(self, dead_letter_id: str) -> DeadLetter:
        """Deliver a dead letter's event to its route again, with a fresh attempt count.

        The dead letter is claimed, and its event put back among the outbox's pending ones,
        in one conditional transaction: of concurrent redrives exactly one publishes (the
        others are 409), and a crash before delivery loses nothing (the sweeper picks it up).
        """
        letter = self._require(dead_letter_id)
        if letter.state != "open":
            raise ConflictError(f"dead letter {dead_letter_id!r} was already redriven")
        event = self._store.outbox.get(letter.event_id)
        done = self._store.dead_letters.redrive(letter, event) if event is not None else None
        if done is None:
            raise NotFoundError(f"event {letter.event_id!r} was erased; nothing to redrive")
        redriven, pending = done
        if self._publisher is not None:
            self._publisher.publish([pending])
        return redriven

    def redrive_all(self) -> int:
        """Redrive every open dead letter; the number redriven (erased events are skipped)."""
        count = 0
        for letter in list(self._store.dead_letters.iter_open()):
            try:
                self.redrive(letter.dead_letter_id)
            except (NotFoundError, ConflictError):
                continue
            count += 1
        return count

    # -- helpers ---------------------------------------------------------------------------------

    def _tenant_routes(self) -> tuple[tuple[Route, RouteSource], ...]:
        return self._resolver.for_tenant(self.client_id).routes

    def _route(self, route_id: str) -> tuple[Route, RouteSource]:
        for route, source in self._tenant_routes():
            if route.route_id == route_id:
                return route, source
        raise NotFoundError(f"route {route_id!r} does not exist")

    def _require(self, dead_letter_id: str) -> DeadLetter:
        letter = self._store.dead_letters.get(dead_letter_id)
        if letter is None:
            raise NotFoundError(f"dead letter {dead_letter_id!r} does not exist")
        return letter

    def _new_secret(self, route: Route, source: RouteSource) -> RouteWithSecret:
        secret = RouteSecret(client_id=self.client_id, route_id=route.route_id,
                             secret=new_secret(), created_at=utcnow())
        self._store.routes.save_secret(secret)
        info = msgspec.structs.replace(self._info(route, source),
                                       secret_created_at=secret.created_at)
        return RouteWithSecret(route=info, secret=secret.secret)

    def _info(self, route: Route, source: RouteSource) -> RouteInfo:
        stored = self._store.routes.secret(route.route_id) if route.kind == "webhook" else None
        return RouteInfo(
            client_id=self.client_id, route_id=route.route_id, kind=route.kind, url=route.url,
            event_types=list(route.event_types), enabled=route.enabled, source=source,
            secret_created_at=stored.created_at if stored else None,
        )
