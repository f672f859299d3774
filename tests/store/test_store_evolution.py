"""Schema evolution: records a newer version wrote (extra fields, at any depth) still read, and
a record that cannot be decoded is a store fault (5xx), never the caller's (400)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from openbrain.domain import Tenant
from openbrain.domain.errors import StoredRecordError
from openbrain.store import keys
from openbrain.store.driver import Item, TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.store.tenants import TenantRepository
from tests.store.store_builders import new_session, next_turn, tenant
from tests.store.tenant_data import (
    EVENT_IDS,
    PROFILES,
    SESSION_IDS,
    everything_readable,
    write_one_of_each,
)

EXTRA = {"addedByANewerVersion": {"nested": [1, 2]}}
RECORD_KINDS = {
    "AgentConfig", "ChatSession", "Message", "ToolAction", "Lead", "Event", "ApiKey", "Usage",
    "AddedRoute", "RouteSecret", "DeliveryAttempt", "DeadLetter", "SigninCode",
}


def _newer(value: Any) -> Any:
    """``value`` as a newer version would write it: every record object (any non-empty JSON
    object; the free-form ``object``/``args`` fields are left empty here) has an extra field."""
    if isinstance(value, dict):
        fields = {k: _newer(v) for k, v in value.items()}
        return {**fields, **EXTRA} if fields else fields
    if isinstance(value, list):
        return [_newer(v) for v in value]
    return value


def _rewrite_as_newer(driver: TableDriver, pk: str) -> int:
    """Rewrite every item of partition ``pk`` (keys, version, index and TTL kept)."""
    page = driver.query(pk, limit=1000)
    for item in page.items:
        if item.data:
            data = msgspec.json.encode(_newer(msgspec.json.decode(item.data)))
            driver.put(msgspec.structs.replace(item, data=data))
    return len(page.items)


def _tenant_partitions(client_id: str) -> list[str]:
    return [
        keys.tenant_pk(client_id), *keys.lead_partitions(client_id),
        *keys.event_partitions(client_id),
        keys.usage_pk(client_id), keys.routes_pk(client_id), keys.deliveries_pk(client_id),
        keys.dead_letters_pk(client_id),
        *[keys.profile_versions_pk(client_id, p) for p in PROFILES],
        *[keys.session_pk(client_id, s) for s in SESSION_IDS],
    ]


def test_every_record_kind_written_by_a_newer_version_reads(driver: TableDriver) -> None:
    store = TenantStore(driver, "acme")
    write_one_of_each(store)
    store.deliveries.set_state(EVENT_IDS[1], "r1", "delivered")
    before = everything_readable(store)
    assert {type(r).__name__ for r in before} >= RECORD_KINDS
    assert {r for r in before if isinstance(r, str)} == {"dead", "delivered"}  # route states

    rewritten = sum(_rewrite_as_newer(driver, pk) for pk in _tenant_partitions("acme"))
    stored = driver.get(keys.session_pk("acme", SESSION_IDS[0]), keys.SESSION_SK)
    assert stored is not None
    assert msgspec.json.decode(stored.data)["config"]["addedByANewerVersion"] == {
        "nested": [1, 2]
    }

    assert rewritten >= len(RECORD_KINDS)
    assert everything_readable(TenantStore(driver, "acme")) == before


def test_a_tenant_written_by_a_newer_version_reads(driver: TableDriver) -> None:
    """Tenant, Plan and Route also refuse unknown fields as inbound specs; stored, they read."""
    repo = TenantRepository(driver)
    repo.save(tenant("acme"))
    item = driver.get(keys.tenant_pk("acme"), keys.TENANT_SK)
    assert item is not None
    newer = _newer(msgspec.json.decode(item.data))
    assert "addedByANewerVersion" in newer["plan"]
    assert "addedByANewerVersion" in newer["routes"][0]
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.convert(newer, Tenant)  # the inbound shape still refuses it
    driver.put(msgspec.structs.replace(item, data=msgspec.json.encode(newer)))
    assert repo.get("acme") == tenant("acme")
    assert repo.list()[0] == [tenant("acme")]


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"clientId": "acme"}',  # required fields missing
        b'{"clientId": 7, "sessionId": "s1"}',  # wrong type
    ],
)
def test_an_unreadable_record_is_a_store_error(driver: TableDriver, data: bytes) -> None:
    """Neither ``msgspec.ValidationError`` nor ``DecodeError`` (which the API maps to 400)."""
    store = TenantStore(driver, "acme")
    store.sessions.commit_turn(next_turn(new_session("acme", "s1")))
    item = driver.get(keys.session_pk("acme", "s1"), keys.SESSION_SK)
    assert item is not None
    driver.put(Item(pk=item.pk, sk=item.sk, data=data, version=item.version,
                    gsi1pk=item.gsi1pk, gsi1sk=item.gsi1sk))
    for read in (lambda: store.sessions.get("s1"), lambda: store.sessions.list()):
        with pytest.raises(StoredRecordError, match="stored ChatSession cannot be read") as info:
            read()
        assert not isinstance(info.value, msgspec.DecodeError)
