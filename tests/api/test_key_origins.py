"""``PATCH /v1/keys/{keyId}``: a publishable key's origins change (checked against the
tenant's widget origins, as on creation) and take effect at once in this process."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ALPHA_ORIGIN, World

LOOPBACK = "http://127.0.0.1:8000"  # the alpha tenant's second widget origin


def _admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.jwt('alpha')}"}


def _new_key(world: World, **body: Any) -> dict[str, Any]:
    r = world.client.post("/v1/keys", json=body, headers=_admin(world))
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def _widget_session(world: World, token: str, origin: str) -> int:
    r = world.client.post("/v1/widget/session", json={"profile": "default"},
                          headers={"Authorization": f"Bearer {token}", "Origin": origin})
    return r.status_code


def test_origins_change_and_apply_at_once(world: World) -> None:
    created = _new_key(world, kind="publishable", allowedOrigins=[ALPHA_ORIGIN, LOOPBACK])
    key_id, token = created["key"]["keyId"], created["secret"]
    assert _widget_session(world, token, LOOPBACK) == 201

    r = world.client.patch(f"/v1/keys/{key_id}", json={"allowedOrigins": [ALPHA_ORIGIN]},
                           headers=_admin(world))
    assert r.status_code == 200, r.text
    assert r.json()["allowedOrigins"] == [ALPHA_ORIGIN]
    assert "secretHash" not in r.json()
    assert _widget_session(world, token, LOOPBACK) == 403
    assert _widget_session(world, token, ALPHA_ORIGIN) == 201
    listed = {k["keyId"]: k for k in
              world.client.get("/v1/keys", headers=_admin(world)).json()["items"]}
    assert listed[key_id]["allowedOrigins"] == [ALPHA_ORIGIN]


def test_bad_origins_are_problems_naming_the_field(world: World) -> None:
    key_id = _new_key(world, kind="publishable")["key"]["keyId"]
    outside = world.client.patch(f"/v1/keys/{key_id}",
                                 json={"allowedOrigins": ["https://evil.example"]},
                                 headers=_admin(world))
    assert outside.status_code == 422
    assert outside.json()["detail"].startswith("allowedOrigins must be among the tenant's "
                                               "widget origins")
    assert "https://evil.example" in outside.json()["detail"]
    for body in ({"allowedOrigins": ["not an origin"]},
                 {"allowedOrigins": ["https://shop.alpha.example/path"]},
                 {"allowedOrigins": "https://shop.alpha.example"}, {}):
        r = world.client.patch(f"/v1/keys/{key_id}", json=body, headers=_admin(world))
        assert r.status_code == 400, (body, r.text)
        assert "allowedOrigins" in r.json()["detail"], r.json()


def test_secret_revoked_and_unknown_keys_are_refused_with_a_sentence(world: World) -> None:
    secret = _new_key(world, kind="secret", scopes=["leads:read"])["key"]["keyId"]
    r = world.client.patch(f"/v1/keys/{secret}", json={"allowedOrigins": [ALPHA_ORIGIN]},
                           headers=_admin(world))
    assert r.status_code == 422
    assert "publishable keys only" in r.json()["detail"]

    revoked = _new_key(world, kind="publishable")["key"]["keyId"]
    world.client.delete(f"/v1/keys/{revoked}", headers=_admin(world))
    r = world.client.patch(f"/v1/keys/{revoked}", json={"allowedOrigins": []},
                           headers=_admin(world))
    assert r.status_code == 409
    assert "revoked" in r.json()["detail"]
    r = world.client.patch("/v1/keys/nope", json={"allowedOrigins": []}, headers=_admin(world))
    assert r.status_code == 404
