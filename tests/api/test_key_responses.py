"""Key responses carry a view of the key, never the hash of its secret: not on create, list
or revoke, and not in the OpenAPI document. The token itself is shown once, at creation."""

from __future__ import annotations

from openbrain.auth.api_keys import hash_token
from tests.api.conftest import World


def _hashes(world: World) -> list[str]:
    return [key.secret_hash for key in world.store("alpha").api_keys.list()]


def _clean(text: str, world: World) -> None:
    assert "secretHash" not in text
    assert "secret_hash" not in text
    for digest in _hashes(world):
        assert digest not in text


def test_create_list_revoke_never_show_the_hash(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    created = world.client.post("/v1/keys", headers=headers,
                                json={"kind": "secret", "name": "ci", "scopes": ["chat"]})
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["secret"]
    assert token.startswith("ob_sk_alpha_")
    assert hash_token(token) in _hashes(world)
    assert body["key"]["name"] == "ci"
    _clean(created.text, world)

    listed = world.client.get("/v1/keys", headers=headers)
    assert listed.status_code == 200, listed.text
    assert body["key"]["keyId"] in {k["keyId"] for k in listed.json()["items"]}
    assert token not in listed.text
    _clean(listed.text, world)

    revoked = world.client.delete(f"/v1/keys/{body['key']['keyId']}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revokedAt"] is not None
    _clean(revoked.text, world)


def test_openapi_schema_has_no_hash(world: World) -> None:
    r = world.client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert '"keyId"' in r.text  # the key schemas are there...
    assert "secretHash" not in r.text  # ... without the hash
