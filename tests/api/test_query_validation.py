"""Query parameters that are ids or dates, and ``If-Match``, are validated whole: an
impossible date, a control character or a weak entity tag is refused with a problem detail
that names what is wrong, never answered with an empty page or a write."""

from __future__ import annotations

import pytest

from tests.api.conftest import World


def _admin(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.alpha.admin_key}"}


@pytest.mark.parametrize("query", ["since=2024-02-30", "until=2024-13-01", "since=2023-02-29",
                                   "since=2024-00-10", "until=0000-01-01"])
def test_usage_refuses_impossible_days(world: World, query: str) -> None:
    r = world.client.get(f"/v1/usage?{query}", headers=_admin(world))
    assert r.status_code == 400, r.text
    assert query.split("=")[0] in r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_usage_takes_real_days(world: World) -> None:
    r = world.client.get("/v1/usage?since=2024-02-29&until=2999-12-31", headers=_admin(world))
    assert r.status_code == 200, r.text
    assert r.json()["items"]


@pytest.mark.parametrize("url", [
    "/v1/sessions?profile=%00", "/v1/sessions?profile=a%01b", "/v1/sessions?profile=default%0A",
    "/v1/sessions?profile=%7F", "/v1/sessions?profile=", "/v1/leads?q=%00",
    "/v1/leads?q=ann%0Aa", "/v1/events?sessionId=%00", "/v1/deliveries?routeId=a%1Fb",
    "/v1/sessions?since=2024-02-30T00:00:00Z",
])
def test_query_ids_with_control_characters_are_refused(world: World, url: str) -> None:
    r = world.client.get(url, headers=_admin(world))
    assert r.status_code == 400, (url, r.text)
    name = url.split("?")[1].split("=")[0]
    assert name in r.text


def test_good_filters_still_answer(world: World) -> None:
    for url in ("/v1/sessions?profile=default", "/v1/leads?q=ann"):
        assert world.client.get(url, headers=_admin(world)).status_code == 200, url


@pytest.mark.parametrize("tag", ['W/"1"', 'W/"2"', "W/1"])
def test_a_weak_if_match_never_matches(world: World, tag: str) -> None:
    """RFC 9110: If-Match uses the strong comparison, so a weak tag fails the precondition."""
    headers = _admin(world)
    version = world.client.get("/v1/configs/default", headers=headers).json()["version"]
    before = world.snapshot()
    r = world.client.put("/v1/configs/default", json={},
                         headers={**headers, "If-Match": tag.replace("1", str(version))})
    assert r.status_code == 412, r.text
    assert r.json()["type"] == "urn:openbrain:problem:precondition-failed"
    assert world.snapshot() == before


@pytest.mark.parametrize("tag", ["²".encode("latin-1"), b'""1""', b"*"])
def test_an_if_match_that_is_no_version_is_a_400(world: World, tag: bytes) -> None:
    """``²`` is a digit to ``str.isdigit`` but no number ``int`` reads."""
    r = world.client.put("/v1/configs/default", json={},
                         headers={**_admin(world), "If-Match": tag})  # type: ignore[dict-item]
    assert r.status_code in (400, 422), r.text
