"""The sessions list: where each session was started (its channel), its lead's name and the
start of its first message, found by search and by channel or lead, within one tenant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World


def _admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.alpha.admin_key}"}


def _listed(world: World, **params: Any) -> dict[str, dict[str, Any]]:
    r = world.client.get("/v1/sessions", params={"limit": 200, **params}, headers=_admin(world))
    assert r.status_code == 200, r.text
    return {s["sessionId"]: s for s in r.json()["items"]}


def _start(world: World, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
    # reset: the test client keeps the session cookie, which would continue the last one
    r = world.client.post("/v1/chat", json={**body, "reset": True},
                          headers=headers or _admin(world))
    assert r.status_code == 200, r.text
    return str(r.json()["sessionId"])


def test_each_session_lists_its_channel_lead_name_and_first_message(world: World) -> None:
    tuner = world.client.post("/v1/sessions", json={"channel": "tuner"}, headers=_admin(world))
    assert tuner.status_code == 201, tuner.text
    tuner_id = tuner.json()["sessionId"]
    cli_id = _start(world, {"message": "Opening hours on the weekend?", "channel": "cli"})
    widget_id = _start(world, {"message": "Hi from the shop page"},
                       world.widget_headers(world.alpha))
    listed = _listed(world)
    api_session = listed[world.alpha.ids["session"]]
    assert api_session["channel"] == "api"
    assert api_session["leadName"] == "Pat Doe"
    assert api_session["preview"] == "I am Pat Doe, pat@alpha.example"
    assert listed[cli_id]["channel"] == "cli"
    assert listed[cli_id]["preview"] == "Opening hours on the weekend?"
    assert listed[cli_id]["leadName"] is None
    assert listed[widget_id]["channel"] == "widget"
    # Opened without a message: nothing to preview until one is sent, and then only the first.
    assert listed[tuner_id]["channel"] == "tuner"
    assert listed[tuner_id]["preview"] is None
    for text in ("Which rooms are free?", "And the price?"):
        r = world.client.post(f"/v1/sessions/{tuner_id}/messages", json={"message": text},
                              headers=_admin(world))
        assert r.status_code == 200, r.text
    assert _listed(world)[tuner_id]["preview"] == "Which rooms are free?"
    # The channel filter keeps only its own.
    assert set(_listed(world, channel="tuner")) == {tuner_id}
    assert widget_id in _listed(world, channel="widget")
    assert cli_id not in _listed(world, channel="widget")


def test_a_long_first_message_is_cut_for_the_preview(world: World) -> None:
    session_id = _start(world, {"message": "word " * 100})
    preview = _listed(world)[session_id]["preview"]
    assert len(preview) == 120
    assert ("word " * 100).startswith(preview)


def test_the_lead_name_is_read_when_listing_so_an_edit_shows(world: World) -> None:
    lead_id, session_id = world.alpha.ids["lead"], world.alpha.ids["session"]
    r = world.client.patch(f"/v1/leads/{lead_id}", json={"fullName": "Patricia Doe"},
                           headers=_admin(world))
    assert r.status_code == 200, r.text
    try:
        assert _listed(world)[session_id]["leadName"] == "Patricia Doe"
        assert set(_listed(world, q="patricia")) == {session_id}
    finally:
        world.client.patch(f"/v1/leads/{lead_id}", json={"fullName": "Pat Doe"},
                           headers=_admin(world))


def test_search_finds_lead_names_previews_and_ids_in_any_case(world: World) -> None:
    session_id = world.alpha.ids["session"]
    cheese = _start(world, {"message": "Do you sell CHEDDAR cheese?"})
    assert set(_listed(world, q="pat doe")) == {session_id}
    assert set(_listed(world, q="cheddar")) == {cheese}
    assert set(_listed(world, q=cheese[-8:].lower())) == {cheese}
    assert _listed(world, q="no session says this") == {}


def test_lead_filter_lists_the_sessions_of_one_lead(world: World) -> None:
    assert set(_listed(world, lead=world.alpha.ids["lead"])) == {world.alpha.ids["session"]}
    assert _listed(world, lead="NOSUCHLEAD") == {}


def test_search_and_filters_stay_in_the_callers_tenant(world: World) -> None:
    # beta's session has a lead called Pat Doe too, and its own lead id.
    assert world.beta.ids["session"] not in _listed(world, q="pat")
    assert _listed(world, lead=world.beta.ids["lead"]) == {}
    beta = {"Authorization": f"Bearer {world.beta.admin_key}"}
    r = world.client.get("/v1/sessions", params={"q": "cheddar"}, headers=beta)
    assert r.status_code == 200
    assert r.json()["items"] == []


@pytest.mark.parametrize(("query", "field"), [
    ("channel=email", "channel"), ("channel=", "channel"), ("lead=bad!!", "lead"),
    ("q=%00", "q"), ("q=", "q"), (f"q={'x' * 201}", "q"),
])
def test_bad_filters_are_problems_naming_the_parameter(world: World, query: str,
                                                       field: str) -> None:
    r = world.client.get(f"/v1/sessions?{query}", headers=_admin(world))
    assert r.status_code == 400, (query, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text


def test_a_caller_may_not_name_the_widget_channel_or_an_unknown_one(world: World) -> None:
    for channel in ("widget", "email", 3):
        r = world.client.post("/v1/sessions", json={"channel": channel}, headers=_admin(world))
        assert r.status_code == 400, (channel, r.text)
        assert "channel" in r.json()["detail"], r.text


def test_a_widget_may_not_claim_another_channel(world: World) -> None:
    headers = world.widget_headers(world.alpha)
    before = set(_listed(world))
    r = world.client.post("/v1/chat", json={"message": "hi", "reset": True, "channel": "api"},
                          headers=headers)
    assert r.status_code == 403, r.text
    assert "channel" in r.json()["detail"]
    assert set(_listed(world)) == before
