"""The routing plan: from tenant specs to EventBridge rules *and* the local dispatcher's routes.

One function, :func:`build_routing_plan`, is the single source of truth: the Pulumi program
turns each :class:`TenantRouting` into a rule, queue and DLQ, and the embedded dispatcher uses
the very same entries, so local and AWS routing cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from openbrain.domain.event import EVENT_SOURCE
from openbrain.domain.tenant import Route, Tenant


class TenantRouting(msgspec.Struct, frozen=True, kw_only=True):
    """Where one tenant's events go."""

    client_id: str
    rule_name: str
    event_pattern: dict[str, Any]
    queue_name: str
    dead_letter_queue_name: str
    max_receive_count: int
    routes: tuple[Route, ...]

    def routes_for(self, detail_type: str) -> list[Route]:
        """The enabled routes that take events of ``detail_type``."""
        return [r for r in self.routes if r.enabled and detail_type in r.event_types]


class RoutingPlan(msgspec.Struct, frozen=True, kw_only=True):
    stage: str
    bus_name: str
    tenants: tuple[TenantRouting, ...]

    def for_tenant(self, client_id: str) -> TenantRouting | None:
        for routing in self.tenants:
            if routing.client_id == client_id:
                return routing
        return None


def event_pattern(client_id: str) -> dict[str, Any]:
    """The EventBridge pattern selecting one tenant's events (matched on ``detail.clientId``)."""
    return {"source": [EVENT_SOURCE], "detail": {"clientId": [client_id]}}


def bus_name(stage: str) -> str:
    return f"openbrain-{stage}"


def build_routing_plan(tenants: Sequence[Tenant], *, stage: str) -> RoutingPlan:
    """The plan for ``stage``: one rule, queue and DLQ per enabled tenant, in ``clientId`` order."""
    entries = tuple(
        TenantRouting(
            client_id=t.client_id,
            rule_name=f"openbrain-{stage}-{t.client_id}",
            event_pattern=event_pattern(t.client_id),
            queue_name=f"openbrain-{stage}-{t.client_id}-events",
            dead_letter_queue_name=f"openbrain-{stage}-{t.client_id}-dlq",
            max_receive_count=t.plan.max_delivery_attempts,
            routes=tuple(t.routes),
        )
        for t in sorted(tenants, key=lambda t: t.client_id)
        if not t.disabled
    )
    return RoutingPlan(stage=stage, bus_name=bus_name(stage), tenants=entries)
