"""A process killed between commit and publish loses no event: the sweeper publishes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from openbrain.events import LocalDispatcher, sweep
from openbrain.store import TableDriver
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.tenancy import build_routing_plan
from tests.events.conftest import DispatcherFactory
from tests.events.support import (
    FAST,
    Receiver,
    commit_events,
    deliverer_for,
    make_event,
    webhook_tenant,
)

# Commits a turn (session + message + three events) in one transaction, then dies by
# SIGKILL where it would have called ``publisher.publish``.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import UTC, datetime
    from openbrain.domain import AgentConfig, ChatSession, Event, Message, new_id
    from openbrain.store.sessions import TurnCommit
    from openbrain.store.sqlite import SQLiteDriver
    from openbrain.store.tenant_store import TenantStore

    driver = SQLiteDriver.from_path(sys.argv[1])
    now = datetime.now(UTC)
    session = ChatSession(
        client_id="acme", session_id="s1", profile_name="default",
        config=AgentConfig(client_id="acme", profile_name="default"),
        version=1, created_at=now, updated_at=now,
    )
    events = [
        Event(event_id=new_id(), client_id="acme", detail_type="lead.created",
              session_id="s1", object_type="lead", object_id=f"l{i}", occurred_at=now)
        for i in range(3)
    ]
    message = Message(client_id="acme", session_id="s1", seq=0, role="user", content="hi",
                      created_at=now)
    TenantStore(driver, "acme").sessions.commit_turn(
        TurnCommit(session=session, messages=[message], events=events))
    print(" ".join(e.event_id for e in events), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_killed_before_publish_then_swept_exactly_once_per_id(
    tmp_path: Path, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    db = tmp_path / "killed.db"
    child = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True,
                           text=True, timeout=60, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    committed = set(child.stdout.split())
    assert len(committed) == 3

    driver = SQLiteDriver.from_path(db)
    try:
        assert {e.event_id for e in TenantStore(driver, "acme").outbox.pending()} == committed
        # A fresh process: its dispatcher's sweeper finds the pending events.
        plan = build_routing_plan([webhook_tenant("acme", receiver.url)], stage="test")
        dispatcher = LocalDispatcher(driver, deliverer_for(driver, plan), backoff=FAST,
                                     sweep_interval=None).start()
        try:
            assert sweep(driver, ["acme"], dispatcher) == 3
            assert sweep(driver, ["acme"], dispatcher) == 0  # still queued: not twice
            assert dispatcher.drain(10)
            assert sweep(driver, ["acme"], dispatcher) == 0  # published: nothing pending
        finally:
            dispatcher.stop(1)
        assert sorted(receiver.delivered_ids()) == sorted(committed)
        assert TenantStore(driver, "acme").outbox.pending() == []
    finally:
        driver.close()


def test_sweeper_thread_runs_at_start(
    driver: TableDriver, receiver: Receiver
) -> None:
    """Embedded mode: the dispatcher's periodic sweeper picks up what was left pending."""
    events = [make_event("acme") for _ in range(4)]
    commit_events(driver, *events)
    plan = build_routing_plan([webhook_tenant("acme", receiver.url)], stage="test")
    dispatcher = LocalDispatcher(driver, deliverer_for(driver, plan), backoff=FAST,
                                 sweep_interval=0.05, tenants=lambda: ["acme"]).start()
    try:
        assert receiver.wait_for(4)
        assert dispatcher.drain(10)
    finally:
        dispatcher.stop(1)
    assert sorted(receiver.delivered_ids()) == sorted(e.event_id for e in events)


def test_min_age_leaves_fresh_events_alone(
    driver: TableDriver, receiver: Receiver, dispatcher_for: DispatcherFactory
) -> None:
    dispatcher = dispatcher_for(webhook_tenant("acme", receiver.url))
    commit_events(driver, make_event("acme"))
    assert sweep(driver, ["acme"], dispatcher, min_age=60) == 0
    assert sweep(driver, ["acme"], dispatcher) == 1
