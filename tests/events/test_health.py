"""What the stage's alarms count: outbox backlog and open dead letters, per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from openbrain.domain import new_id
from openbrain.domain.delivery import DeadLetter
from openbrain.events.health import (
    OPEN_DEAD_LETTERS,
    OUTBOX_BACKLOG,
    TenantHealth,
    measure,
    metric_data,
)
from openbrain.store import TableDriver
from openbrain.store.tenant_store import TenantStore
from tests.events.support import commit_events, make_event


def _letter(client_id: str, event_id: str) -> DeadLetter:
    return DeadLetter(client_id=client_id, dead_letter_id=new_id(), event_id=event_id,
                      detail_type="lead.created", route_id="hook", attempts=1,
                      created_at=datetime.now(UTC))


def test_backlog_counts_only_events_older_than_the_sweep_age(driver: TableDriver) -> None:
    old = msgspec.structs.replace(make_event("acme"),
                                  occurred_at=datetime.now(UTC) - timedelta(minutes=5))
    commit_events(driver, old, make_event("acme"))
    store = TenantStore(driver, "acme")
    open_letter, done = _letter("acme", old.event_id), _letter("acme", old.event_id)
    store.dead_letters.add(open_letter)
    store.dead_letters.add(done)
    store.dead_letters.mark_redriven(done)

    health = measure(driver, ["acme", "demo"], min_age=60.0)

    assert health == [TenantHealth(client_id="acme", outbox_backlog=1, open_dead_letters=1),
                      TenantHealth(client_id="demo", outbox_backlog=0, open_dead_letters=0)]


def test_metric_data_names_stage_and_tenant() -> None:
    data = metric_data("dev", [TenantHealth(client_id="acme", outbox_backlog=2,
                                            open_dead_letters=3)])
    dims = [{"Name": "ClientId", "Value": "acme"}, {"Name": "Stage", "Value": "dev"}]
    assert data == [
        {"MetricName": OUTBOX_BACKLOG, "Dimensions": dims, "Value": 2.0, "Unit": "Count"},
        {"MetricName": OPEN_DEAD_LETTERS, "Dimensions": dims, "Value": 3.0, "Unit": "Count"},
    ]
