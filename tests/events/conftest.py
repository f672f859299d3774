"""Fixtures for the events tests: a real HTTP receiver on 127.0.0.1, a fresh SQLite store,
and an embedded dispatcher with fast retries for tenants routed to the receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openbrain.domain import Tenant
from openbrain.events import LocalDispatcher
from openbrain.store import TableDriver
from openbrain.store.sqlite import SQLiteDriver
from openbrain.tenancy import build_routing_plan
from tests.events.support import FAST, Receiver, deliverer_for


@pytest.fixture(name="receiver")
def fx_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(name="driver")
def fx_driver(tmp_path: Path) -> Iterator[TableDriver]:
    driver = SQLiteDriver.from_path(tmp_path / "ob.db")
    yield driver
    driver.close()


DispatcherFactory = Callable[..., LocalDispatcher]


@pytest.fixture(name="dispatcher_for")
def fx_dispatcher_for(driver: TableDriver) -> Iterator[DispatcherFactory]:
    started: list[LocalDispatcher] = []

    def make(*tenants: Tenant) -> LocalDispatcher:
        plan = build_routing_plan(list(tenants), stage="test")
        dispatcher = LocalDispatcher(driver, deliverer_for(driver, plan), backoff=FAST,
                                     sweep_interval=None).start()
        started.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in started:
        dispatcher.stop(timeout=1.0)
