"""The sweeper: republishes outbox events left pending (a crash between commit and publish,
a publisher outage). At-least-once: consumers dedupe on ``eventId``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import structlog

from openbrain.domain.base import utcnow
from openbrain.domain.tenant import Tenant
from openbrain.events.publisher import EventPublisher
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore

log = structlog.get_logger(__name__)


def sweep(
    driver: TableDriver,
    tenants: Iterable[Tenant | str],
    publisher: EventPublisher,
    *,
    min_age: float = 0.0,
    limit: int = 1000,
) -> int:
    """Publish every tenant's pending events at least ``min_age`` seconds old (so a turn
    that is publishing right now is left alone); at most ``limit`` per tenant per sweep.
    Returns how many were published. One tenant's failure does not stop the others."""
    cutoff = utcnow() - timedelta(seconds=min_age)
    total = 0
    for tenant in tenants:
        client_id = tenant if isinstance(tenant, str) else tenant.client_id
        try:
            pending = TenantStore(driver, client_id).outbox.pending(limit=limit)
            due = [e for e in pending if e.occurred_at <= cutoff]
            if due:
                published = publisher.publish(due)
                total += len(published)
                log.info("events.swept", client_id=client_id, pending=len(due),
                         published=len(published))
        except Exception:
            log.exception("events.sweep_failed", client_id=client_id)
    return total
