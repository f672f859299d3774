"""``Allow`` on ``OPTIONS`` answers lists every method of the path.

Litestar makes one ``OPTIONS`` handler per route as the route is built; when a later
controller adds methods to the same path the route is rebuilt around the old handler, whose
``Allow`` still names the methods of the first build only. This middleware answers from the
app's final routes instead (CORS preflights are answered earlier, by the request context).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def allowed_methods(app: Litestar) -> dict[str, str]:
    """Path template (as routing names it: ``/v1/configs/{name}``) -> the ``Allow`` value of
    its route (every method, ``OPTIONS`` too)."""
    return {route.path_format: ", ".join(sorted(route.methods))
            for route in app.routes if isinstance(route, HTTPRoute)}


class AllowHeaderMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._allow: dict[str, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        if self._allow is None:  # the routes are final once a request arrives
            self._allow = allowed_methods(scope["app"])
        allow = self._allow.get(scope.get("path_template", ""))

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and allow is not None:
                MutableScopeHeaders.from_message(message)["allow"] = allow
            await send(message)

        await self.app(scope, receive, send_with_allow)
