"""Delivering one event to each of its tenant's routes: the logic the SQS Lambda handler and
the embedded dispatcher share. Targets (webhook, log) live in :mod:`openbrain.events.targets`.

Each route is settled at most once per event (``delivered`` or ``dead``), so an event seen
again (SQS redelivery, sweeper, redrive) only goes to the routes that still need it. A route
that is ``dead`` with its dead letter still open is the exception: the event arriving again
(an operator moved it back from the tenant's DLQ) redrives that dead letter, claimed in the
same conditional transaction as the API's redrive, so of two redrives exactly one delivers.

A ``deadline`` (``time.monotonic()``) bounds the work: each attempt's timeout ends before
it, and routes there is no time left for are not attempted (``unattempted``: try again).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

import msgspec
import structlog

from openbrain.domain.base import new_id, utcnow
from openbrain.domain.delivery import AttemptOutcome, DeadLetter, DeliveryAttempt, RouteSecret
from openbrain.domain.errors import ConflictError
from openbrain.domain.event import Event
from openbrain.domain.tenant import Route
from openbrain.events.routes import RouteResolver
from openbrain.events.signing import new_secret
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore

log = structlog.get_logger(__name__)


class TargetResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a target reports: delivered, or failed (``retryable`` or permanent)."""

    ok: bool
    retryable: bool = False
    http_status: int | None = None
    error: str | None = None


MIN_ATTEMPT_SECONDS = 1.0
"""A route is attempted only with at least this much time left before the deadline."""


class Target(Protocol):
    def deliver(
        self, event: Event, route: Route, secret: str | None, *, timeout: float | None = None
    ) -> TargetResult:
        """``timeout``: seconds the attempt may take at most (``None``: the target's own)."""
        ...


class DeliveryOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """Route ids by result. ``exhausted`` (a subset of ``dead``) ran out of attempts on a
    retryable error. ``unattempted`` had no time left before the deadline; ``redriven`` were
    dead with an open dead letter and were claimed and attempted again."""

    delivered: list[str] = msgspec.field(default_factory=list)
    dead: list[str] = msgspec.field(default_factory=list)
    exhausted: list[str] = msgspec.field(default_factory=list)
    retrying: list[str] = msgspec.field(default_factory=list)
    unattempted: list[str] = msgspec.field(default_factory=list)
    redriven: list[str] = msgspec.field(default_factory=list)

    @property
    def needs_retry(self) -> bool:
        return bool(self.retrying or self.unattempted)


class EventDeliverer:
    def __init__(
        self, driver: TableDriver, resolver: RouteResolver, targets: Mapping[str, Target]
    ) -> None:
        self._driver = driver
        self.resolver = resolver
        self._targets = targets

    def max_attempts(self, client_id: str) -> int:
        return self.resolver.for_tenant(client_id).max_attempts

    def deliver(
        self, event: Event, attempt: int, *, deadline: float | None = None
    ) -> DeliveryOutcome:
        """Attempt number ``attempt`` (1-based) for every route not yet settled, within
        ``deadline`` (a ``time.monotonic()`` value) when given."""
        tenant = self.resolver.for_tenant(event.client_id)
        store = TenantStore(self._driver, event.client_id)
        outcome = DeliveryOutcome()
        for route in tenant.routes_for(event.detail_type):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left < MIN_ATTEMPT_SECONDS:
                outcome.unattempted.append(route.route_id)
                continue
            state = store.deliveries.state(event.event_id, route.route_id)
            if state == "dead" and claim_dead_letter(store, event.event_id, route.route_id):
                outcome.redriven.append(route.route_id)
            elif state is not None:
                continue
            result, latency = self._attempt(event, route, left)
            if result.ok:
                status: AttemptOutcome = "delivered"
                outcome.delivered.append(route.route_id)
            elif not result.retryable or attempt >= tenant.max_attempts:
                status = "dead"
                outcome.dead.append(route.route_id)
                if result.retryable:
                    outcome.exhausted.append(route.route_id)
            else:
                status = "retrying"
                outcome.retrying.append(route.route_id)
            store.deliveries.record(
                DeliveryAttempt(
                    client_id=event.client_id,
                    attempt_id=new_id(),
                    event_id=event.event_id,
                    detail_type=event.detail_type,
                    route_id=route.route_id,
                    attempt=attempt,
                    at=utcnow(),
                    outcome=status,
                    http_status=result.http_status,
                    latency_ms=round(latency * 1000, 3),
                    error=result.error,
                )
            )
            letter_id = None
            if status == "dead":
                letter_id = new_id()
                store.dead_letters.add(
                    DeadLetter(
                        client_id=event.client_id,
                        dead_letter_id=letter_id,
                        event_id=event.event_id,
                        detail_type=event.detail_type,
                        route_id=route.route_id,
                        attempts=attempt,
                        last_error=result.error,
                        created_at=utcnow(),
                    )
                )
            if status != "retrying":
                store.deliveries.set_state(
                    event.event_id, route.route_id, status, dead_letter_id=letter_id
                )
            log.info(
                "event.delivery", client_id=event.client_id, event_id=event.event_id,
                route_id=route.route_id, attempt=attempt, outcome=status,
                http_status=result.http_status,
            )
        return outcome

    def try_route(self, event: Event, route: Route, *,
                  timeout: float | None = None) -> tuple[TargetResult, float]:
        """One attempt to deliver ``event`` to ``route`` alone, through its target as a
        delivery makes it (signed with the route's secret), recording nothing: the target's
        answer and the seconds it took. For test events a tenant sends to check a route."""
        return self._attempt(event, route, timeout)

    def _attempt(
        self, event: Event, route: Route, timeout: float | None
    ) -> tuple[TargetResult, float]:
        target = self._targets.get(route.kind)
        started = time.perf_counter()
        if target is None:
            return TargetResult(ok=False, error=f"no target for kind {route.kind!r}"), 0.0
        try:
            secret = self.secret(event.client_id, route) if route.kind == "webhook" else None
            result = target.deliver(event, route, secret, timeout=timeout)
        except Exception as exc:  # a target bug must not lose the event: retry it
            log.exception("event.target_error", event_id=event.event_id, route_id=route.route_id)
            result = TargetResult(ok=False, retryable=True, error=type(exc).__name__)
        return result, time.perf_counter() - started

    def secret(self, client_id: str, route: Route) -> str:
        """The route's signing secret, created at first use for routes declared in a spec
        (the tenant obtains it by rotating: secrets are shown only once)."""
        routes = TenantStore(self._driver, client_id).routes
        stored = routes.secret(route.route_id)
        if stored is None:
            stored = routes.create_secret_once(
                RouteSecret(
                    client_id=client_id, route_id=route.route_id, secret=new_secret(),
                    created_at=utcnow(),
                )
            )
        return stored.secret


def claim_dead_letter(store: TenantStore, event_id: str, route_id: str) -> bool:
    """Claim the open dead letter of a dead route for another attempt: ``True`` if this caller
    won it (the route's state is cleared, the letter marked redriven), ``False`` if there is
    none open (already redriven elsewhere) or the event was erased since."""
    letter = store.dead_letters.open_for(event_id, route_id)
    stored = store.outbox.get(event_id) if letter is not None else None
    if letter is None or stored is None:
        return False
    try:
        return store.dead_letters.redrive(letter, stored, republish=False) is not None
    except ConflictError:
        return False
