"""Tenant isolation as a property: whatever tenant A writes, tenant B never reads it."""

from __future__ import annotations

import uuid

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore
from tests.store.tenant_data import (
    ACTIONS,
    READS,
    Action,
    everything_readable,
    exposed_repositories,
    write_one_of_each,
)

# Tenant A's writes, over the same small id space tenant B uses, so ids collide often.
actions = st.lists(
    st.sampled_from([(a, i) for writes in ACTIONS.values() for a, ids in writes for i in ids]),
    max_size=14,
)


def test_every_repository_is_exercised() -> None:
    """The property below writes to and reads from each repository the store exposes."""
    assert set(ACTIONS) == set(READS) == exposed_repositories()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a_actions=actions)
def test_no_read_of_b_returns_records_of_a(
    driver: TableDriver, a_actions: list[tuple[Action, str]]
) -> None:
    """For any sequence of writes by tenant A (with the same ids tenant B uses), every
    record read through ``TenantStore(driver, B)`` belongs to B, and B's own records are
    unchanged."""
    suffix = uuid.uuid4().hex[:8]
    a = TenantStore(driver, f"a-{suffix}")
    b = TenantStore(driver, f"b-{suffix}")
    write_one_of_each(b)
    before = everything_readable(b)

    for action, ident in a_actions:
        action(a, ident)

    after = everything_readable(b)
    assert all(getattr(r, "client_id", b.client_id) == b.client_id for r in after)
    assert msgspec.json.encode(after) == msgspec.json.encode(before)
    assert a.client_id.encode() not in msgspec.json.encode(after)
