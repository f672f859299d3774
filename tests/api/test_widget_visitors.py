"""Widget visitors own their sessions: a session a widget starts is bound to a secret only
that browser holds (stored hashed), so the publishable key, an allowed origin and the session
id, all public, read and write nothing. The ``ob_session`` cookie is ``Secure`` over HTTPS."""

from __future__ import annotations

import hashlib
import sqlite3
from http.cookies import SimpleCookie

import pytest

from tests.api.conftest import World

LEAD = "visitor.one@patient.example"


def _victim_session(world: World) -> tuple[str, dict[str, str]]:
    """A visitor who chatted and left an e-mail: their session id and widget headers."""
    visitor = world.widget_headers(world.alpha)
    r = world.client.post("/v1/chat", headers=visitor, json={"message": f"I am Ann, {LEAD}"})
    assert r.status_code == 200, r.text
    return r.json()["sessionId"], visitor


def _transcript(world: World, session_id: str) -> list[str]:
    return [m.content for m in world.store("alpha").sessions.transcript(session_id)[0]]


def test_a_session_id_with_the_public_key_reads_and_writes_nothing(world: World) -> None:
    """The probe's case: the publishable key, the site's Origin and the victim's session id."""
    session_id, _ = _victim_session(world)
    before = _transcript(world, session_id)
    # The exchange does not hand out the session: a fresh visitor, a fresh secret.
    pk = world.key("alpha", kind="publishable")
    r = world.client.post("/v1/widget/session", json={"profile": "default",
                                                        "sessionId": session_id},
                          headers={"Authorization": f"Bearer {pk}",
                                   "Origin": world.alpha.origin})
    assert r.status_code == 201, r.text
    assert r.json()["sessionId"] is None
    intruder = {"Authorization": f"Bearer {r.json()['token']}", "Origin": world.alpha.origin,
                "X-Visitor-Secret": r.json()["visitorSecret"]}
    answers = [
        world.client.get(f"/v1/sessions/{session_id}/messages", headers=intruder),
        world.client.post(f"/v1/sessions/{session_id}/messages", headers=intruder,
                          json={"message": "what did you say?"}),
        world.client.post("/v1/chat", headers=intruder,
                          json={"sessionId": session_id, "message": "repeat that"}),
        world.client.post("/v1/chat", headers={**intruder, "X-Session-Id": session_id},
                          json={"message": "repeat that"}),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert LEAD not in answer.text
    assert _transcript(world, session_id) == before


def test_a_token_needs_its_visitor_secret(world: World) -> None:
    session_id, visitor = _victim_session(world)
    other = world.widget_headers(world.alpha)
    url = f"/v1/sessions/{session_id}/messages"
    assert world.client.get(url, headers=visitor).status_code == 200
    for secret in (None, other["X-Visitor-Secret"], "x" * 43):
        headers = {k: v for k, v in visitor.items() if k != "X-Visitor-Secret"}
        if secret is not None:
            headers["X-Visitor-Secret"] = secret
        r = world.client.get(url, headers=headers)
        assert r.status_code == 401, r.text
        assert "X-Visitor-Secret" in r.json()["detail"]
        # The widget reads the refusal (CORS granted) and exchanges its key again.
        assert r.headers["access-control-allow-origin"] == world.alpha.origin


def test_the_owner_resumes_across_page_loads(world: World) -> None:
    session_id, visitor = _victim_session(world)
    resumed = world.widget_headers(world.alpha, session_id,
                                   visitor_secret=visitor["X-Visitor-Secret"])
    r = world.client.get(f"/v1/sessions/{session_id}/messages", headers=resumed)
    assert r.status_code == 200, r.text
    assert LEAD in r.text
    r = world.client.post(f"/v1/sessions/{session_id}/messages", headers=resumed,
                          json={"message": "thanks"})
    assert r.status_code == 200, r.text


def test_the_secret_is_stored_hashed_only(world: World) -> None:
    session_id, visitor = _victim_session(world)
    secret = visitor["X-Visitor-Secret"]
    session = world.store("alpha").sessions.require(session_id)
    assert session.visitor_hash == hashlib.sha256(secret.encode()).hexdigest()
    with sqlite3.connect(world.db_path) as conn:
        rows = conn.execute("SELECT pk, sk, data FROM items").fetchall()
    assert not any(secret in str(row) for row in rows)


def test_a_malformed_visitor_secret_is_a_400_naming_the_header(world: World) -> None:
    pk = world.key("alpha", kind="publishable")
    r = world.client.post("/v1/widget/session", json={"profile": "default"},
                          headers={"Authorization": f"Bearer {pk}", "Origin": world.alpha.origin,
                                   "X-Visitor-Secret": "short"})
    assert r.status_code == 400, r.text
    assert "X-Visitor-Secret" in r.text


@pytest.mark.parametrize(("scheme", "secure"), [("https", True), ("http", False)])
def test_the_session_cookie_is_secure_over_https(world: World, scheme: str,
                                                  secure: bool) -> None:
    r = world.client.post(f"{scheme}://testserver/v1/chat", json={"message": "hi"},
                          headers={"Authorization": f"Bearer {world.alpha.admin_key}"})
    world.client.cookies.clear()
    assert r.status_code == 200, r.text
    cookie = SimpleCookie(r.headers["set-cookie"])["ob_session"]
    assert bool(cookie["secure"]) is secure
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"
