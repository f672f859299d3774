"""Redrive is conditional on the dead letter being open, on both drivers: of parallel
redrives of one dead letter exactly one wins (and publishes); the others are 409 and write
nothing. The probe saw four 200s on DynamoDB (each would publish the event again)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from openbrain.domain.errors import ConflictError
from openbrain.domain.event import Event
from openbrain.events import EventsService
from openbrain.events.routes import RouteResolver
from openbrain.store import TableDriver, TenantStore
from openbrain.tenancy import build_routing_plan
from tests.store.store_builders import dead_letter, event


class Published:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def publish(self, events: Sequence[Event]) -> list[str]:
        with self._lock:
            self.events.extend(events)
        return [e.event_id for e in events]


def test_parallel_redrives_of_one_dead_letter_publish_once(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    store.outbox.add(event("acme", "e1"))
    store.dead_letters.add(dead_letter("acme", "d1"))
    published = Published()
    service = EventsService(store, resolver=RouteResolver(driver, build_routing_plan(
        [], stage="test")), publisher=published, aws_mode=False)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def redrive() -> None:
        barrier.wait()
        try:
            service.redrive("d1")
        except ConflictError:
            outcomes.append("409")
        else:
            outcomes.append("200")

    threads = [threading.Thread(target=redrive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["200", "409", "409", "409"]
    assert [e.event_id for e in published.events] == ["e1"]
    stored = store.dead_letters.get("d1")
    assert stored is not None
    assert stored.state == "redriven"
    assert list(store.dead_letters.iter_open()) == []


def test_a_redrive_that_lost_writes_nothing(driver: TableDriver) -> None:
    """The loser's claim fails inside the transaction: the event is not made pending again."""
    store = TenantStore(driver, "acme")
    store.outbox.add(event("acme", "e1"))
    store.dead_letters.add(dead_letter("acme", "d1"))
    open_letter = store.dead_letters.get("d1")
    stored_event = store.outbox.get("e1")
    assert open_letter is not None
    assert stored_event is not None
    assert store.dead_letters.redrive(open_letter, stored_event) is not None
    published = store.outbox.mark_published(stored_event)
    with pytest.raises(ConflictError, match="already redriven"):
        store.dead_letters.redrive(open_letter, stored_event)
    assert store.outbox.get("e1") == published
    assert store.outbox.pending() == []
