"""What a stage's alarms watch in the table: per tenant, the outbox backlog (events still
unpublished after the sweep, so publishing is failing) and the open dead letters (events a
route gave up on, permanent failures included). The outbox sweeper publishes both as
CloudWatch metrics after each sweep; :func:`metric_data` is their one definition."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import msgspec

from openbrain.domain.base import utcnow
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore

NAMESPACE = "OpenBrain"
OUTBOX_BACKLOG = "OutboxBacklog"
OPEN_DEAD_LETTERS = "OpenDeadLetters"
BACKLOG_SCAN_LIMIT = 1000
"""The backlog is counted up to this many events (the alarm's threshold is far below)."""


class TenantHealth(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str
    outbox_backlog: int
    open_dead_letters: int


def measure(
    driver: TableDriver, client_ids: Iterable[str], *, min_age: float
) -> list[TenantHealth]:
    """Each tenant's pending events at least ``min_age`` seconds old and open dead letters."""
    cutoff = utcnow() - timedelta(seconds=min_age)
    found = []
    for client_id in client_ids:
        store = TenantStore(driver, client_id)
        pending = store.outbox.pending(limit=BACKLOG_SCAN_LIMIT)
        found.append(TenantHealth(
            client_id=client_id,
            outbox_backlog=sum(1 for e in pending if e.occurred_at <= cutoff),
            open_dead_letters=store.dead_letters.count_open(),
        ))
    return found


def dimensions(stage: str, client_id: str) -> list[dict[str, str]]:
    """The metrics' dimensions, as the stage's alarms name them (sorted by name)."""
    return [{"Name": "ClientId", "Value": client_id}, {"Name": "Stage", "Value": stage}]


def metric_data(stage: str, health: Iterable[TenantHealth]) -> list[dict[str, Any]]:
    """``MetricData`` entries of CloudWatch's ``PutMetricData`` for ``health``."""
    return [
        {"MetricName": name, "Dimensions": dimensions(stage, h.client_id), "Value": float(value),
         "Unit": "Count"}
        for h in health
        for name, value in ((OUTBOX_BACKLOG, h.outbox_backlog),
                            (OPEN_DEAD_LETTERS, h.open_dead_letters))
    ]
