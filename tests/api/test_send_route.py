"""``POST /v1/sessions/{id}/messages`` (plain and streamed) reads its services, principal and
tenant store from the request, as ``POST /v1/chat`` does, instead of through three
dependencies, and its guards get the handler itself: the same refusals in the same order,
the same answers."""

from __future__ import annotations

from litestar.routes import HTTPRoute

from openbrain.api.guards import GuardedHandler
from tests.api.conftest import World

PATH = "/v1/sessions/{session_id:str}/messages"


def test_the_send_route_resolves_no_dependency_and_is_guarded_as_is(world: World) -> None:
    [(handler, kwargs_model)] = [route.route_handler_map["POST"] for route in world.app.routes
                                 if isinstance(route, HTTPRoute) and route.path == PATH]
    assert handler.handler_name == "send"
    assert isinstance(handler, GuardedHandler)
    assert not kwargs_model.dependency_batches


def test_a_credential_of_no_tenant_meets_the_refusals_in_the_same_order(world: World) -> None:
    """The body's strict check first (400), then the tenant (403), then the path and the
    headers (400): as when the tenant check was the ``store`` dependency."""
    operator = {"Authorization": f"Bearer {world.jwt(None, role='platform-admin')}",
                "Idempotency-Key": "not a key!"}
    for accept in ("application/json", "text/event-stream"):
        headers = {**operator, "Accept": accept}
        r = world.client.post("/v1/sessions/bad id!/messages", headers=headers,
                              json={"message": 5})
        assert r.status_code == 400, r.text
        assert "message" in r.text
        r = world.client.post("/v1/sessions/bad id!/messages", headers=headers,
                              json={"message": "hi"})
        assert r.status_code == 403, r.text
        assert r.json()["detail"] == "this credential is not bound to a tenant"
        tenant_key = {"Authorization": f"Bearer {world.key('alpha')}", "Accept": accept}
        r = world.client.post("/v1/sessions/bad id!/messages", headers=tenant_key,
                              json={"message": "hi"})
        assert r.status_code == 400, r.text
        assert "session_id" in r.text
        r = world.client.post("/v1/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV/messages",
                              headers={**tenant_key, "Idempotency-Key": "not a key!"},
                              json={"message": "hi"})
        assert r.status_code == 400, r.text
        assert "Idempotency-Key" in r.text


def test_a_turn_answers_as_before_plain_and_streamed(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.key('alpha')}"}
    started = world.client.post("/v1/sessions", headers=headers, json={})
    assert started.status_code == 201, started.text
    session = started.json()["sessionId"]
    plain = world.client.post(f"/v1/sessions/{session}/messages", headers=headers,
                              json={"message": "hello"})
    assert plain.status_code == 200, plain.text
    assert plain.json()["sessionId"] == session
    assert plain.headers["x-session-id"] == session
    streamed = world.client.post(f"/v1/sessions/{session}/messages",
                                 headers={**headers, "Accept": "text/event-stream"},
                                 json={"message": "and again"})
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert "event: done" in streamed.text
    assert f'"sessionId":"{session}"' in streamed.text
    gone = world.client.post("/v1/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV/messages",
                             headers=headers, json={"message": "hi"})
    assert gone.status_code == 404, gone.text
