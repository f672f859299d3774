"""Tenants: who they are, their plan (quotas) and where their events go."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec

from openbrain.domain.base import ClientId, Identifier, Record, ShortText, Timestamp
from openbrain.domain.hours import BusinessHours, HandoffAvailability
from openbrain.domain.validation import shape

EventType = Literal[
    "lead.created", "lead.updated", "handoff.requested", "test.event", "session.started",
    "handoff.accepted", "handoff.released", "session.closed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
Origin = Annotated[str, msgspec.Meta(pattern=shape(
    r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
    "an origin: http:// or https://, a host name and an optional port, no path"))]
# No space or control character, spelled out so that Python and ECMA-262 (the OpenAPI
# document's readers) agree: their ``\s`` differ on U+001C-U+001F, U+0085 and U+FEFF.
WebhookUrl = Annotated[str, msgspec.Meta(pattern=shape(
    r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$(?!\n)",
    "an http:// or https:// URL without spaces"), max_length=2_000)]


class Plan(Record, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Quotas of a tenant. Limits are per minute (requests) and per day (tokens)."""

    name: ShortText = "free"
    requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 120
    key_requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 60
    widget_requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 20
    tokens_per_day: Annotated[int, msgspec.Meta(ge=1)] = 1_000_000
    max_delivery_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 5
    handoff: HandoffAvailability = "always"
    """Whether people answer hand-offs: ``never`` (no operators online) or outside
    ``businessHours``, the agent says no one is available and takes contact details instead."""
    business_hours: BusinessHours = msgspec.field(default_factory=BusinessHours)


class Route(Record, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Events of the listed types go to one target."""

    route_id: Identifier
    event_types: Annotated[list[EventType], msgspec.Meta(min_length=1)]
    kind: Literal["webhook", "log"] = "webhook"
    url: WebhookUrl | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.kind == "webhook" and not self.url:
            raise ValueError(f"route {self.route_id!r}: a webhook route needs a url")


class Tenant(Record, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A tenant as declared in ``tenants/<id>.toml`` and as stored in the table."""

    client_id: ClientId
    name: ShortText
    plan: Plan = msgspec.field(default_factory=Plan)
    widget_origins: list[Origin] = msgspec.field(default_factory=list)
    routes: list[Route] = msgspec.field(default_factory=list)
    disabled: bool = False
    created_at: Timestamp | None = None

    def __post_init__(self) -> None:
        ids = [r.route_id for r in self.routes]
        if len(set(ids)) != len(ids):
            raise ValueError("routeId must be unique within a tenant")
