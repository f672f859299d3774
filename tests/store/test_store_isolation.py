"""Tenant isolation as a property: whatever tenant A writes, tenant B never reads it."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbrain.domain import AgentSettings
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import api_key, event, lead, new_session, next_turn

SESSION_IDS = ("s1", "s2")
LEAD_IDS = ("l1", "l2")
PROFILES = ("default", "sales")
EVENT_IDS = ("e1", "e2")

# Tenant A's actions, over the same small id space tenant B uses, so ids collide often.
actions = st.lists(
    st.one_of(
        st.tuples(st.just("config"), st.sampled_from(PROFILES)),
        st.tuples(st.just("turn"), st.sampled_from(SESSION_IDS)),
        st.tuples(st.just("lead"), st.sampled_from(LEAD_IDS)),
        st.tuples(st.just("event"), st.sampled_from(EVENT_IDS)),
        st.tuples(st.just("key"), st.sampled_from(("k1", "k2"))),
        st.tuples(st.just("usage"), st.sampled_from(("2025-01-01", "2025-01-02"))),
        st.tuples(st.just("erase"), st.sampled_from(LEAD_IDS)),
    ),
    max_size=12,
)


def _act(store: TenantStore, action: tuple[str, str]) -> None:
    kind, ident = action
    cid = store.client_id
    if kind == "config":
        store.configs.save(ident, AgentSettings(system_message=f"secret of {cid}"))
    elif kind == "turn":
        session = store.sessions.get(ident) or new_session(cid, ident)
        turn = next_turn(session)
        store.sessions.commit_turn(
            msgspec.structs.replace(turn, lead=lead(cid, f"{ident}-lead", ident, notes=cid))
        )
    elif kind == "lead":
        store.leads.save(lead(cid, ident, "s1", notes=cid))
    elif kind == "event":
        if store.outbox.get(ident) is None:
            store.outbox.add(event(cid, ident))
    elif kind == "key":
        if store.api_keys.get(ident) is None:
            store.api_keys.create(api_key(cid, ident))
    elif kind == "usage":
        store.usage.record(ident, "default", turns=1, input_tokens=5, output_tokens=7)
    elif kind == "erase" and store.leads.get(ident) is not None:
        store.erase_lead(ident)


def _everything_readable(store: TenantStore) -> list[Any]:
    """Every record any read of ``store`` returns, over every id either tenant may use."""
    seen: list[Any] = []
    seen += store.configs.list()
    for profile in PROFILES:
        seen += [store.configs.get(profile)]
        seen += store.configs.versions(profile)[0]
    seen += store.sessions.list(limit=100)[0]
    for sid in SESSION_IDS:
        seen += [store.sessions.get(sid)]
        seen += store.sessions.window(sid, 50)
        seen += store.sessions.transcript(sid, limit=100)[0]
        seen += store.sessions.tool_actions(sid)
    seen += store.leads.list(limit=100)[0]
    seen += [store.leads.get(i) for i in (*LEAD_IDS, "s1-lead", "s2-lead")]
    seen += store.outbox.pending()
    seen += store.outbox.list(limit=100)[0]
    seen += [store.outbox.get(e) for e in EVENT_IDS]
    seen += store.api_keys.list()
    seen += [store.api_keys.get(k) for k in ("k1", "k2")]
    seen += store.usage.list()
    return [record for record in seen if record is not None]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(a_actions=actions)
def test_no_read_of_b_returns_records_of_a(
    driver: TableDriver, a_actions: list[tuple[str, str]]
) -> None:
    """For any sequence of writes by tenant A (with the same ids tenant B uses), every
    record read through ``TenantStore(driver, B)`` belongs to B, and B's own records are
    unchanged."""
    suffix = uuid.uuid4().hex[:8]
    a = TenantStore(driver, f"a-{suffix}")
    b = TenantStore(driver, f"b-{suffix}")
    for action in [("config", "default"), ("turn", "s1"), ("lead", "l1"), ("event", "e1"),
                   ("key", "k1"), ("usage", "2025-01-01")]:
        _act(b, action)
    before = _everything_readable(b)

    for action in a_actions:
        _act(a, action)

    after = _everything_readable(b)
    assert all(getattr(r, "client_id", b.client_id) == b.client_id for r in after)
    assert msgspec.json.encode(after) == msgspec.json.encode(before)
    assert a.client_id.encode() not in msgspec.json.encode(after)
