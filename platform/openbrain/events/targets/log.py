"""The ``log`` target: the delivery itself is the entry in the tenant's delivery log."""

from __future__ import annotations

from openbrain.domain.event import Event
from openbrain.domain.tenant import Route
from openbrain.events.delivery import TargetResult


class LogTarget:
    def deliver(
        self, event: Event, route: Route, secret: str | None, *, timeout: float | None = None
    ) -> TargetResult:
        return TargetResult(ok=True)
