"""``POST /v1/chat`` reads its services, principal and tenant store from the request instead
of through three dependencies (each resolved by Litestar through a signature model of its
own): the same refusals in the same order, the same answers; and tells HTTPS from the scope
as Litestar's URL does, without building it."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.datastructures import URL
from litestar.routes import HTTPRoute

from openbrain.api.controllers.chat import over_https
from tests.api.conftest import World


def test_the_chat_route_resolves_no_dependency(world: World) -> None:
    [(handler, kwargs_model)] = [route.route_handler_map["POST"] for route in world.app.routes
                                 if isinstance(route, HTTPRoute) and route.path == "/v1/chat"]
    assert handler.handler_name == "chat"
    assert not kwargs_model.dependency_batches


def test_a_credential_of_no_tenant_meets_the_refusals_in_the_same_order(world: World) -> None:
    """The body's strict check first (400), then the tenant (403), then the headers (400):
    as when the tenant check was the ``store`` dependency."""
    operator = {"Authorization": f"Bearer {world.jwt(None, role='platform-admin')}"}
    bad_header = {**operator, "X-Session-Id": "not an id!"}
    r = world.client.post("/v1/chat", headers=bad_header, json={"message": 5})
    assert r.status_code == 400, r.text
    assert "message" in r.text
    r = world.client.post("/v1/chat", headers=bad_header, json={"message": "hi"})
    assert r.status_code == 403, r.text
    assert r.json()["detail"] == "this credential is not bound to a tenant"
    tenant_key = {"Authorization": f"Bearer {world.key('alpha')}", "X-Session-Id": "not an id!"}
    r = world.client.post("/v1/chat", headers=tenant_key, json={"message": "hi"})
    assert r.status_code == 400, r.text
    assert "X-Session-Id" in r.text


def test_a_turn_answers_as_before(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.key('alpha')}"}
    first = world.client.post("/v1/chat", headers=headers, json={"message": "hello"})
    assert first.status_code == 200, first.text
    session = first.json()["sessionId"]
    assert first.headers["x-session-id"] == session
    again = world.client.post("/v1/chat", headers={**headers, "X-Session-Id": session},
                              json={"message": "and again"})
    assert again.status_code == 200, again.text
    assert again.json()["sessionId"] == session


@pytest.mark.parametrize("scheme", ["http", "https", None])
@pytest.mark.parametrize("server", [("127.0.0.1", 8000), ("shop.example", 443), None])
@pytest.mark.parametrize("host", [b"shop.example", None])
def test_https_is_read_as_litestars_url_reads_it(scheme: str | None,
                                                 server: tuple[str, int] | None,
                                                 host: bytes | None) -> None:
    scope: Any = {"type": "http", "path": "/v1/chat", "root_path": "", "query_string": b"",
                  "headers": [(b"host", host)] if host else [], "server": server}
    if scheme is not None:
        scope["scheme"] = scheme
    assert over_https(scope) == (URL.from_scope(scope).scheme == "https")
