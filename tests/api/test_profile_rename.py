"""``POST /v1/configs/{name}/rename``: the history moves, keys limited to the profile follow,
a taken name is a 409 and ``default`` keeps its name."""

from __future__ import annotations

from tests.api.conftest import ALPHA_ORIGIN, World


def _admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.jwt('alpha')}"}


def test_rename_moves_history_and_keys_follow(world: World) -> None:
    h = _admin(world)
    for tokens in (100, 200):
        r = world.client.put("/v1/configs/old-name", headers=h,
                             json={"maxTokens": tokens, "widgetEnabled": True})
        assert r.status_code == 200, r.text
    r = world.client.post("/v1/keys", headers=h, json={
        "kind": "publishable", "allowedOrigins": [ALPHA_ORIGIN], "profiles": ["old-name"]})
    key_id, token = r.json()["key"]["keyId"], r.json()["secret"]

    r = world.client.post("/v1/configs/old-name/rename", json={"newName": "new-name"},
                          headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["profileName"], r.json()["version"]) == ("new-name", 2)
    assert world.client.get("/v1/configs/old-name", headers=h).status_code == 404
    versions = world.client.get("/v1/configs/new-name/versions", headers=h).json()["items"]
    assert [v["maxTokens"] for v in versions] == [200, 100]
    keys = {k["keyId"]: k for k in world.client.get("/v1/keys", headers=h).json()["items"]}
    assert keys[key_id]["profiles"] == ["new-name"]
    # The widget with that key now opens the renamed profile, at once.
    r = world.client.post("/v1/widget/session", json={"profile": "new-name"},
                          headers={"Authorization": f"Bearer {token}", "Origin": ALPHA_ORIGIN})
    assert r.status_code == 201, r.text


def test_rename_refusals_are_sentences(world: World) -> None:
    h = _admin(world)
    world.client.put("/v1/configs/taken-a", json={}, headers=h)
    world.client.put("/v1/configs/taken-b", json={}, headers=h)
    r = world.client.post("/v1/configs/taken-a/rename", json={"newName": "taken-b"}, headers=h)
    assert r.status_code == 409
    assert r.json()["detail"] == ("a profile named 'taken-b' already exists; pick another name "
                                  "or delete that profile first")
    r = world.client.post("/v1/configs/default/rename", json={"newName": "main"}, headers=h)
    assert r.status_code == 403
    assert "cannot be renamed" in r.json()["detail"]
    r = world.client.post("/v1/configs/nope/rename", json={"newName": "other"}, headers=h)
    assert r.status_code == 404
    for body in ({"newName": "bad name!"}, {}, {"newName": "ok", "extra": 1}):
        r = world.client.post("/v1/configs/taken-a/rename", json=body, headers=h)
        assert r.status_code == 400, (body, r.text)
        assert ("newName" in r.json()["detail"]) or ("extra" in r.json()["detail"]), r.json()
    assert world.client.get("/v1/configs/taken-a", headers=h).status_code == 200
