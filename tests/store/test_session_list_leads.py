"""The session listing names each session's lead: read once per distinct lead and page, from
the listing tenant's own leads, and never stored on the session (an edit shows at once)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from openbrain.store import TenantStore, keys
from openbrain.store.counting import CountingDriver
from tests.store.store_builders import lead, new_session, next_turn


def _with_lead(store: TenantStore, lead_id: str | None) -> str:
    session = msgspec.structs.replace(new_session(store.client_id), lead_id=lead_id)
    store.sessions.commit_turn(next_turn(session))
    return session.session_id


def test_each_distinct_lead_is_read_once_a_page(driver: CountingDriver,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store = TenantStore(driver, "acme")
    store.leads.save(lead("acme", "L1", full_name="Ann Lee"))
    store.leads.save(lead("acme", "L3", first_name="Bo", last_name="Ng"))
    TenantStore(driver, "other").leads.save(lead("other", "L2", full_name="Not Yours"))
    ann = [_with_lead(store, "L1") for _ in range(4)]
    bo = _with_lead(store, "L3")
    gone = _with_lead(store, "L2")  # no such lead in acme (erased, say): no name
    nobody = _with_lead(store, None)

    read: list[str] = []
    get = driver.get

    def counted(pk: str, sk: str) -> Any:
        read.append(pk)
        return get(pk, sk)

    monkeypatch.setattr(driver, "get", counted)
    listed, _ = store.sessions.list(limit=50)
    names = {s.session_id: s.lead_name for s in listed}
    assert {names[s] for s in ann} == {"Ann Lee"}
    assert names[bo] == "Bo Ng"
    assert names[gone] is None
    assert names[nobody] is None
    assert {s.session_id: s.lead_id for s in listed}[gone] == "L2"
    acme, other = set(keys.lead_partitions("acme")), set(keys.lead_partitions("other"))
    # L1 and L3 from their shards; L2, not found there, also from the partition of before
    # sharding: four reads for three leads, none of another tenant's.
    assert sum(pk in acme for pk in read) == 4
    assert not other & set(read)


def test_the_name_is_never_stored_on_the_session(driver: CountingDriver) -> None:
    store = TenantStore(driver, "acme")
    store.leads.save(lead("acme", "L1", full_name="Ann Lee"))
    session_id = _with_lead(store, "L1")
    assert store.sessions.list()[0][0].lead_name == "Ann Lee"
    item = driver.get(keys.session_pk("acme", session_id), keys.SESSION_SK)
    assert item is not None
    assert b"leadName" not in item.data
