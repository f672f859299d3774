"""Event delivery records: routes a tenant adds, route signing secrets, the delivery log and
dead letters. Secrets live only in :class:`RouteSecret` and :class:`RouteWithSecret`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from openbrain.domain.base import ClientId, Identifier, Record, Request, Timestamp
from openbrain.domain.event import Event
from openbrain.domain.tenant import EventType, Route, WebhookUrl

RouteSource = Literal["spec", "added"]
AttemptOutcome = Literal["delivered", "retrying", "dead"]
DeadLetterState = Literal["open", "redriven"]


class NewRoute(Request, kw_only=True, frozen=True):
    """A webhook route a tenant adds through the API (its signing secret is generated)."""

    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1)]
    url: WebhookUrl
    route_id: Identifier | None = None


class RouteChanges(Request, kw_only=True, frozen=True):
    """What a tenant changes on a route it added (``PATCH /v1/routes/{routeId}``)."""

    enabled: bool


class RouteTestResult(Record, kw_only=True, frozen=True):
    """How a route's target took a test event, sent to it alone and at once."""

    route_id: str
    event_id: str
    delivered: bool
    http_status: int | None = None
    latency_ms: float = 0.0
    error: str | None = None


class AddedRoute(Record, kw_only=True, frozen=True):
    """A route stored in the table (as opposed to one declared in the tenant spec)."""

    client_id: ClientId
    route: Route
    created_at: Timestamp


class RouteSecret(Record, kw_only=True, frozen=True):
    """The Standard Webhooks signing secret (``whsec_…``) of one route. Never logged."""

    client_id: ClientId
    route_id: str
    secret: str
    created_at: Timestamp

    def __repr__(self) -> str:  # keeps the secret out of tracebacks and debug logs
        return f"RouteSecret(client_id={self.client_id!r}, route_id={self.route_id!r})"


class RouteInfo(Record, kw_only=True, frozen=True):
    """A route as the tenant sees it: where it comes from and whether it has a secret."""

    client_id: ClientId
    route_id: str
    kind: Literal["webhook", "log"]
    url: str | None = None
    event_types: list[str]
    enabled: bool = True
    source: RouteSource
    secret_created_at: Timestamp | None = None


class RouteWithSecret(Record, kw_only=True, frozen=True):
    """Answer of route creation and secret rotation: the secret is shown this once."""

    route: RouteInfo
    secret: str


class DeliveryAttempt(Record, kw_only=True, frozen=True):
    """One attempt to deliver one event to one route (the delivery log)."""

    client_id: ClientId
    attempt_id: str
    event_id: str
    detail_type: str
    route_id: str
    attempt: int
    at: Timestamp
    outcome: AttemptOutcome
    http_status: int | None = None
    latency_ms: float = 0.0
    error: str | None = None


class DeadLetter(Record, kw_only=True, frozen=True):
    """An event a route could not take after its attempts (or at once, on a permanent error).

    Only ids are kept: the event itself stays in the outbox (one copy of any lead data)."""

    client_id: ClientId
    dead_letter_id: str
    event_id: str
    detail_type: str
    route_id: str
    attempts: int
    last_error: str | None = None
    state: DeadLetterState = "open"
    created_at: Timestamp
    redriven_at: Timestamp | None = None


class DeadLetterDetail(Record, kw_only=True, frozen=True):
    """A dead letter with its event (``None`` if erased since) and the route's attempts."""

    dead_letter: DeadLetter
    event: Event | None
    attempts: list[DeliveryAttempt]


class RedriveResult(Record, kw_only=True, frozen=True):
    redriven: int
