"""``PATCH /v1/routes/{routeId}`` (enable/disable an added route) and ``POST
/v1/routes/{routeId}/test`` (a test event, its target's answer in the response)."""

from __future__ import annotations

from tests.api.conftest import World


def _admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.jwt('alpha')}"}


def test_an_added_route_is_disabled_and_enabled(world: World) -> None:
    route = world.alpha.ids["route"]
    r = world.client.patch(f"/v1/routes/{route}", json={"enabled": False},
                           headers=_admin(world))
    assert r.status_code == 200, r.text
    assert r.json()["enabled"] is False
    listed = {x["routeId"]: x["enabled"] for x in
              world.client.get("/v1/routes", headers=_admin(world)).json()}
    assert listed[route] is False
    r = world.client.patch(f"/v1/routes/{route}", json={"enabled": True},
                           headers=_admin(world))
    assert r.json()["enabled"] is True


def test_bad_changes_are_problems_naming_the_field(world: World) -> None:
    route = world.alpha.ids["route"]
    for body, field in (({"enabled": "no"}, "enabled"), ({}, "enabled"),
                        ({"enabled": True, "url": "http://x"}, "url")):
        r = world.client.patch(f"/v1/routes/{route}", json=body, headers=_admin(world))
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["detail"], r.json()
    r = world.client.patch("/v1/routes/log-all", json={"enabled": False},
                           headers=_admin(world))
    assert r.status_code == 403
    assert "declared in the tenant spec" in r.json()["detail"]


def test_a_test_event_answers_how_the_target_took_it(world: World) -> None:
    # The populated route points at a closed port: the test reports the failure.
    r = world.client.post(f"/v1/routes/{world.alpha.ids['route']}/test", headers=_admin(world))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["delivered"] is False
    assert body["error"]
    assert body["routeId"] == world.alpha.ids["route"]
    # A log route takes it.
    r = world.client.post("/v1/routes/log-all/test", headers=_admin(world))
    assert r.json()["delivered"] is True
    r = world.client.post("/v1/routes/nope/test", headers=_admin(world))
    assert r.status_code == 404
