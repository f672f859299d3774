"""The authentication middleware reads the ASGI scope itself instead of going through
Litestar's ``AbstractAuthenticationMiddleware``: the same requests are skipped, the credential
header is read as Litestar's ``Headers`` reads it, and the same principal lands in
``scope["user"]`` (with its tenant in ``scope["auth"]``), with no connection object per
request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.middleware._utils import build_exclude_path_pattern, should_bypass_middleware

from openbrain.api import auth_middleware
from openbrain.api.auth_middleware import AuthenticationMiddleware
from openbrain.api.guards import SCHEMA_PATH, is_public
from openbrain.api.scope_headers import header
from tests.api.conftest import World

RAW_HEADERS: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"authorization", b"Bearer one")],
    [(b"authorization", b"Bearer one"), (b"authorization", b"Bearer two")],
    [(b"Authorization", b"Bearer upper")],
    [(b"x-api-key", b"k"), (b"AUTHORIZATION", b"Bearer late")],
    [(b"authorization", "Bearer caf\u00e9".encode("latin-1"))],
    [(b"authorizationx", b"no"), (b"x-authorization", b"no")],
]


@pytest.mark.parametrize("raw", RAW_HEADERS)
@pytest.mark.parametrize("name", ["authorization", "x-api-key", "origin"])
def test_a_header_reads_as_litestars_headers_read_it(raw: list[tuple[bytes, bytes]],
                                                     name: str) -> None:
    scope: Any = {"type": "http", "headers": raw}
    assert header(scope, name.encode()) == Headers(raw).get(name)


def _handlers(world: World) -> list[Any]:
    return [handler for route in world.app.routes
            for handler in getattr(route, "route_handlers", ())]


def test_the_requests_skipped_are_litestars_and_the_public_routes(world: World) -> None:
    """Every route handler of the app, with each method and a few paths: skipped exactly when
    Litestar's own bypass rules (as the old middleware configured them) or ``public`` say."""
    pattern = build_exclude_path_pattern(exclude=f"^{SCHEMA_PATH}(/|$)")
    opted = type("Opted", (), {"opt": {"exclude_from_auth": True}, "is_mount": False})()
    handlers = [*_handlers(world), opted, None]
    paths = ["/v1/chat", SCHEMA_PATH, f"{SCHEMA_PATH}/swagger", f"{SCHEMA_PATH}x", "/healthz"]
    checked = 0
    for handler in handlers:
        for method in ("GET", "POST", "OPTIONS"):
            for path in paths:
                scope: Any = {"type": "http", "method": method, "path": path,
                              "raw_path": path.encode(), "route_handler": handler}
                litestar = should_bypass_middleware(  # as its middleware's defaults set it up
                    exclude_http_methods=("OPTIONS",), exclude_opt_key="exclude_from_auth",
                    exclude_path_pattern=pattern, scope=scope, scopes={"http"})  # type: ignore[arg-type]
                public = handler is not None and handler is not opted and is_public(handler)
                assert auth_middleware._skipped(scope) == (litestar or public), (method, path)
                checked += 1
    assert checked > 100


def test_other_scopes_pass_through_untouched() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    middleware = AuthenticationMiddleware(app)
    for kind in ("websocket", "lifespan"):
        scope: Any = {"type": kind, "headers": []}
        asyncio.run(middleware(scope, None, None))  # type: ignore[arg-type]
        assert "user" not in scope
    assert len(seen) == 2


def test_the_principal_and_tenant_land_in_the_scope_without_a_connection_object(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    token = world.key("alpha")
    made: list[str] = []
    init = ASGIConnection.__init__

    def counting(self: ASGIConnection[Any, Any, Any, Any], *args: Any, **kwargs: Any) -> None:
        made.append(type(self).__name__)
        init(self, *args, **kwargs)

    for header_name, value in (("Authorization", f"Bearer {token}"), ("X-API-Key", token)):
        assert world.client.get("/v1/me", headers={header_name: value}).status_code == 200
        monkeypatch.setattr(ASGIConnection, "__init__", counting)
        r = world.client.get("/v1/me", headers={header_name: value})
        monkeypatch.setattr(ASGIConnection, "__init__", init)
        assert r.status_code == 200, r.text
        assert r.json()["clientId"] == "alpha"
        # Only the handler's own request (Litestar's), none made to authenticate.
        assert made
        assert set(made) == {"Request"}
        made.clear()
    assert world.client.get("/v1/me").status_code == 401
    assert world.client.get("/v1/me", headers={"Authorization": "Basic x"}).status_code == 401
