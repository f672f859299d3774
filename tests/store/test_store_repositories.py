"""Every repository method, through ``TenantStore``, on every driver."""

from __future__ import annotations

import msgspec
import pytest

from openbrain.domain import AgentSettings, LeadFields, Tenant
from openbrain.domain.errors import ConflictError, NotFoundError
from openbrain.store.tenant_store import TenantStore
from openbrain.store.tenants import TenantRepository
from tests.store.store_builders import api_key, event, lead, new_session, next_turn


def test_config_save_versions_restore_delete(store: TenantStore) -> None:
    """Each save is a new version; the head is the latest; restore re-saves an old one."""
    v1 = store.configs.save("sales", AgentSettings(temperature=0.5))
    v2 = store.configs.save("sales", AgentSettings(temperature=1.5), expected_version=1)
    assert (v1.version, v2.version) == (1, 2)
    assert store.configs.require("sales").temperature == 1.5
    assert store.configs.get_version("sales", 1).temperature == 0.5
    versions, cursor = store.configs.versions("sales", limit=1)
    assert [v.version for v in versions] == [2]
    assert [v.version for v in store.configs.versions("sales", cursor=cursor)[0]] == [1]
    v3 = store.configs.restore("sales", 1)
    assert (v3.version, v3.temperature) == (3, 0.5)
    assert [c.profile_name for c in store.configs.list()] == ["sales"]
    store.configs.delete("sales")
    assert store.configs.get("sales") is None
    assert store.configs.versions("sales")[0] == []
    with pytest.raises(NotFoundError):
        store.configs.delete("sales")
    with pytest.raises(NotFoundError):
        store.configs.get_version("sales", 1)


def test_config_save_with_stale_version_conflicts(store: TenantStore) -> None:
    """``expected_version`` other than the latest is refused with 409 and writes nothing."""
    store.configs.save("sales", AgentSettings())
    with pytest.raises(ConflictError):
        store.configs.save("sales", AgentSettings(temperature=2), expected_version=0)
    assert store.configs.require("sales").version == 1
    assert len(store.configs.versions("sales")[0]) == 1


def test_session_commit_window_transcript_list_delete(store: TenantStore) -> None:
    """Turns append messages; the window is the newest N oldest-first; listing is newest
    first; delete removes the session with its messages."""
    first = new_session()
    second = new_session()
    store.sessions.commit_turn(next_turn(first, 4))
    store.sessions.commit_turn(next_turn(store.sessions.require(first.session_id), 2))
    store.sessions.commit_turn(next_turn(second))
    assert [m.seq for m in store.sessions.window(first.session_id, 3)] == [3, 4, 5]
    page, cursor = store.sessions.transcript(first.session_id, limit=4)
    assert [m.seq for m in page] == [0, 1, 2, 3]
    assert [m.seq for m in store.sessions.transcript(first.session_id, cursor=cursor)[0]] == [4, 5]
    newest = store.sessions.transcript(first.session_id, limit=2, newest_first=True)[0]
    assert [m.seq for m in newest] == [5, 4]
    listed, _ = store.sessions.list()
    assert {s.session_id for s in listed} == {first.session_id, second.session_id}
    store.sessions.delete(first.session_id)
    assert store.sessions.get(first.session_id) is None
    assert store.sessions.transcript(first.session_id)[0] == []
    with pytest.raises(NotFoundError):
        store.sessions.require(first.session_id)


def test_turn_writes_lead_and_events_atomically(store: TenantStore) -> None:
    """A turn's lead and events land with its messages; the events are pending until
    published."""
    session = new_session()
    turn = msgspec.structs.replace(
        next_turn(session),
        lead=lead("acme", "l1", session.session_id, email="ann@example.com"),
        events=[event("acme", "e1"), event("acme", "e2")],
    )
    store.sessions.commit_turn(turn)
    assert store.leads.require("l1").email == "ann@example.com"
    assert [e.event_id for e in store.outbox.pending()] == ["e1", "e2"]
    published = store.outbox.mark_published(store.outbox.pending()[0])
    assert published.published_at is not None
    assert [e.event_id for e in store.outbox.pending()] == ["e2"]
    assert [e.event_id for e in store.outbox.list()[0]] == ["e2", "e1"]
    with pytest.raises(ConflictError):  # the same events again: refused, nothing written
        store.sessions.commit_turn(
            msgspec.structs.replace(next_turn(store.sessions.require(session.session_id)),
                                    events=[event("acme", "e1")])
        )
    assert len(store.sessions.transcript(session.session_id)[0]) == 2


def test_leads_crud_list_and_filter(store: TenantStore) -> None:
    """Leads list newest first (ids sort by time), filter without exceeding the limit."""
    for i in range(7):
        store.leads.save(lead("acme", f"L{i}", status="new" if i % 2 else "contacted"))
    updated = store.leads.update("L3", LeadFields(status="qualified", phone="+1 555 0100"))
    assert (updated.status, updated.phone) == ("qualified", "+1 555 0100")
    assert store.leads.require("L3").status == "qualified"
    everyone, cursor = store.leads.list(limit=10)
    assert [x.lead_id for x in everyone] == [f"L{i}" for i in range(6, -1, -1)]
    assert cursor is None
    seen: list[str] = []
    cursor = None
    while True:
        found, cursor = store.leads.list(limit=2, cursor=cursor, where=lambda x: x.status == "new")
        assert len(found) <= 2
        seen += [x.lead_id for x in found]
        if cursor is None:
            break
    assert seen == ["L5", "L1"]
    store.leads.delete("L5")
    assert store.leads.get("L5") is None
    with pytest.raises(NotFoundError):
        store.leads.update("L5", LeadFields(status="closed"))


def test_erase_lead_removes_session_and_messages(store: TenantStore) -> None:
    """Erasing a lead deletes it with the session (and every message) that captured it, and
    the outbox events about it; nothing else."""
    session = new_session()
    store.sessions.commit_turn(
        msgspec.structs.replace(next_turn(session), lead=lead("acme", "l1", session.session_id))
    )
    other = new_session()
    store.sessions.commit_turn(
        msgspec.structs.replace(next_turn(other), events=[event("acme", "E2", object_id="l2")])
    )
    store.outbox.add(event("acme", "E1", object_id="l1"))
    store.erase_lead("l1")
    assert store.leads.get("l1") is None
    assert store.outbox.get("E1") is None, "events carrying the lead's data are erased too"
    assert store.outbox.pending() == [store.outbox.get("E2")], "other events stay"
    assert store.sessions.get(session.session_id) is None
    assert store.sessions.transcript(session.session_id)[0] == []
    assert store.sessions.get(other.session_id) is not None
    with pytest.raises(NotFoundError):
        store.erase_lead("l1")


def test_usage_increments_and_lists(store: TenantStore) -> None:
    """Usage adds up per day and profile; bounds are inclusive."""
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=10, output_tokens=5)
    store.usage.record("2025-01-01", "default", turns=1, input_tokens=1, output_tokens=1)
    store.usage.record("2025-01-02", "sales", turns=1, input_tokens=3, output_tokens=4)
    rows = store.usage.list()
    assert [(u.day, u.profile_name, u.turns, u.input_tokens) for u in rows] == [
        ("2025-01-01", "default", 2, 11),
        ("2025-01-02", "sales", 1, 3),
    ]
    assert [u.day for u in store.usage.list(since="2025-01-02")] == ["2025-01-02"]
    assert store.usage.tokens_on("2025-01-01") == 17


def test_api_keys_create_list_revoke(store: TenantStore) -> None:
    """Keys are created once, listed, touched, and revoked (idempotently)."""
    store.api_keys.create(api_key("acme", "k1"))
    with pytest.raises(ConflictError):
        store.api_keys.create(api_key("acme", "k1"))
    assert [k.key_id for k in store.api_keys.list()] == ["k1"]
    store.api_keys.touch(store.api_keys.require("k1"))
    assert store.api_keys.require("k1").last_used_at is not None
    revoked = store.api_keys.revoke("k1")
    assert not revoked.active
    assert store.api_keys.revoke("k1").revoked_at == revoked.revoked_at
    with pytest.raises(NotFoundError):
        store.api_keys.revoke("nope")


def test_tenants(store: TenantStore) -> None:
    """Tenants are saved, listed in id order with cursors, and disabled."""
    repo = TenantRepository(store.driver)
    for cid in ("zeta", "acme", "beta"):
        repo.save(Tenant(client_id=cid, name=cid.title()))
    first, cursor = repo.list(limit=2)
    rest, end = repo.list(limit=2, cursor=cursor)
    assert [t.client_id for t in first + rest] == ["acme", "beta", "zeta"]
    assert end is None
    assert repo.set_disabled("beta", True).disabled
    assert repo.require("beta").disabled
    with pytest.raises(NotFoundError):
        repo.require("nope")
