"""Filtered listings: timestamps without a zone are UTC, and paging a filter skips nothing."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import World


def _all_pages(world: World, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = params | ({"cursor": cursor} if cursor else {})
        r = world.client.get(path, params=query, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging did not end")


def test_naive_timestamps_are_utc_not_a_500(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    for since in ("2000-01-01T00:00:00", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00+02:00"):
        r = world.client.get("/v1/sessions", params={"since": since}, headers=headers)
        assert r.status_code == 200, (since, r.text)
        assert r.json()["items"], since
    r = world.client.get("/v1/sessions", params={"since": "2999-01-01T00:00:00"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["items"] == []


def test_filtered_pages_skip_and_repeat_nothing(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    r = world.client.put("/v1/configs/other", json={}, headers=headers)
    assert r.status_code == 200, r.text
    # Interleave profiles so that every page mixes matches and misses.
    for profile in ["default", "other", "other", "default", "other", "default", "default"] * 2:
        r = world.client.post("/v1/sessions", json={"profile": profile}, headers=headers)
        assert r.status_code == 201, r.text
    everything = _all_pages(world, "/v1/sessions", {"limit": 200})
    expected = [s["sessionId"] for s in everything if s["profileName"] == "default"]
    assert len(expected) >= 8
    for limit in (1, 2, 3):
        paged = _all_pages(world, "/v1/sessions", {"limit": limit, "profile": "default"})
        assert [s["sessionId"] for s in paged] == expected, limit


def test_event_and_delivery_filters_use_their_camel_case_names(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    session = world.alpha.ids["session"]
    everything = world.client.get("/v1/events", params={"limit": 200}, headers=headers).json()
    assert any(e["sessionId"] != session for e in everything["items"]) or everything["items"]
    r = world.client.get("/v1/events", params={"sessionId": session}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["items"], "the session's own events are listed"
    assert {e["sessionId"] for e in r.json()["items"]} == {session}
    r = world.client.get("/v1/events", params={"sessionId": "NOSUCH"}, headers=headers)
    assert r.json()["items"] == []
    for path, name in (("/v1/events", "sessionId"), ("/v1/deliveries", "eventId"),
                       ("/v1/deliveries", "routeId")):
        bad = world.client.get(path, params={name: "bad!!"}, headers=headers)
        assert bad.status_code == 400, (path, name, bad.text)
    r = world.client.get("/v1/deliveries", params={"eventId": "NOSUCH"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["items"] == []
