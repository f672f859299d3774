"""``guarded_post`` hands its guards the route handler itself: Litestar's ``post`` hands each
guard a copy made on every request. The same guards run in the same order, with the same
refusals; the chat turn's route uses it."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from openbrain.api.guards import GuardedHandler, guarded_post
from tests.api.conftest import World


def test_guards_get_the_handler_itself_in_order_and_still_refuse() -> None:
    seen: list[tuple[str, BaseRouteHandler]] = []

    async def first(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
        seen.append(("first", handler))

    async def second(connection: ASGIConnection[Any, Any, Any, Any],
                     handler: BaseRouteHandler) -> None:
        seen.append(("second", handler))
        if connection.headers.get("x-refuse"):
            raise PermissionDeniedException("refused")

    @guarded_post(path="/echo", guards=[first, second], sync_to_thread=False, status_code=200)
    def echo() -> dict[str, str]:
        return {"ok": "yes"}

    app = Litestar(route_handlers=[echo])
    [handler] = [route.route_handler_map["POST"][0] for route in app.routes
                 if isinstance(route, HTTPRoute) and route.path == "/echo"]
    with TestClient(app) as client:
        assert client.post("/echo").json() == {"ok": "yes"}
        assert client.post("/echo").status_code == 200
        assert client.post("/echo", headers={"x-refuse": "1"}).status_code == 403
    assert [name for name, _ in seen] == ["first", "second"] * 3
    assert all(got is handler for _, got in seen)


def test_the_chat_route_is_guarded_without_a_copy(world: World) -> None:
    [handler] = [route.route_handler_map["POST"][0] for route in world.app.routes
                 if isinstance(route, HTTPRoute) and route.path == "/v1/chat"]
    assert isinstance(handler, GuardedHandler)
