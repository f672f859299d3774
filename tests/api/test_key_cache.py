"""API keys are read at most once a second per process: no key item is read by every request
of a busy key. A key revoked through the API is refused on the next request."""

from __future__ import annotations

from pathlib import Path

from openbrain.api.key_cache import TTL_SECONDS, KeyCache
from openbrain.auth.api_keys import mint_key
from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.store import TenantStore
from openbrain.store.counting import CountingDriver
from openbrain.store.sqlite import SQLiteDriver
from tests.api.conftest import World


def test_a_key_is_read_once_a_second_and_revocation_elsewhere_lands_within_it(
    tmp_path: Path,
) -> None:
    driver = CountingDriver(SQLiteDriver.from_path(tmp_path / "keys.db"))
    driver.setup()
    key_id, _, digest = mint_key("acme", "secret")
    TenantStore(driver, "acme").api_keys.create(ApiKey(
        client_id="acme", key_id=key_id, kind="secret", scopes=["chat"], secret_hash=digest,
        created_at=utcnow()))
    now = [100.0]
    cache = KeyCache(driver, clock=lambda: now[0])
    driver.reset()
    for _ in range(50):
        found = cache.get("acme", key_id)
        assert found is not None
        assert found.active
    assert driver.calls["get"] == 1

    TenantStore(driver, "acme").api_keys.revoke(key_id)  # by another process
    driver.reset()
    now[0] += TTL_SECONDS / 2
    found = cache.get("acme", key_id)
    assert found is not None
    assert found.active
    now[0] += TTL_SECONDS
    found = cache.get("acme", key_id)
    assert found is not None
    assert not found.active
    assert cache.get("acme", "unknown") is None
    assert driver.calls["get"] == 2  # once the second ran out, once for the unknown key


def test_a_key_revoked_through_the_api_is_refused_on_the_next_request(world: World) -> None:
    admin = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    created = world.client.post("/v1/keys", headers=admin,
                                json={"kind": "secret", "name": "soon", "scopes": ["chat"]})
    assert created.status_code == 201, created.text
    token, key_id = created.json()["secret"], created.json()["key"]["keyId"]
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client.get("/v1/configs", headers=headers).status_code != 401  # now cached
    revoked = world.client.delete(f"/v1/keys/{key_id}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    assert world.client.get("/v1/configs", headers=headers).status_code == 401
