"""Records in the table as the API meets them: one a newer version wrote reads (a rolling
deploy, a rollback), and one that cannot be decoded is the server's fault (500), never a 400."""

from __future__ import annotations

import msgspec

from openbrain.store import keys
from tests.api.conftest import World


def _rewrite(world: World, pk: str, sk: str, change: dict[str, object]) -> None:
    driver = world.services.driver
    item = driver.get(pk, sk)
    assert item is not None
    data = msgspec.json.encode(msgspec.json.decode(item.data) | change)
    driver.put(msgspec.structs.replace(item, data=data))


def test_a_session_a_newer_version_wrote_reads_and_takes_turns(world: World) -> None:
    auth = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    session_id = world.alpha.ids["session"]
    pk = keys.session_pk("alpha", session_id)
    stored = world.services.driver.get(pk, keys.SESSION_SK)
    assert stored is not None
    config = msgspec.json.decode(stored.data)["config"] | {"reasoningEffort": "high"}
    _rewrite(world, pk, keys.SESSION_SK, {"config": config, "channel": "sms"})

    r = world.client.get(f"/v1/sessions/{session_id}", headers=auth)
    assert r.status_code == 200, r.text
    assert "reasoningEffort" not in r.json()["config"]
    r = world.client.post("/v1/chat", headers={**auth, "X-Session-Id": session_id},
                          json={"message": "still there?"})
    assert r.status_code == 200, r.text


def test_a_record_that_cannot_be_decoded_is_a_500_store_error(world: World) -> None:
    auth = {"Authorization": f"Bearer {world.beta.admin_key}"}
    profile = world.beta.ids["profile"]
    _rewrite(world, keys.tenant_pk("beta"), keys.profile_head_sk(profile),
             {"temperature": "very hot"})

    for path in (f"/v1/configs/{profile}", "/v1/configs"):
        r = world.client.get(path, headers=auth)
        assert r.status_code == 500, r.text
        problem = r.json()
        assert problem["type"] == "urn:openbrain:problem:stored-record"
        assert "stored AgentConfig cannot be read" in problem["detail"]
    # The caller's own input is still judged as before.
    r = world.client.put(f"/v1/configs/{profile}", headers=auth, json={"temperature": "hot"})
    assert r.status_code == 400, r.text


def test_requests_still_refuse_unknown_fields_naming_them(world: World) -> None:
    """Stored shapes ignore unknown fields; inbound ones (nested too) keep refusing them."""
    auth = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    r = world.client.put("/v1/configs/default", headers=auth, json={"reasoningEffort": "high"})
    assert r.status_code == 400, r.text
    assert "reasoningEffort" in r.json()["detail"]
    admin = {"Authorization": f"Bearer {world.jwt('alpha', 'platform-admin')}"}
    r = world.client.post("/v1/tenants", headers=admin, json={
        "clientId": "gamma", "name": "Gamma", "plan": {"tokensPerDya": 5}})
    assert r.status_code == 400, r.text
    assert "tokensPerDya" in r.json()["detail"]
