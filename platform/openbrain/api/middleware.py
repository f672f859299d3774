"""Per-request context: request id, the access log line, and CORS for the widget's routes.

The outermost middleware of every route: an error raised by the middleware inside it (a
refused credential) is answered here with its problem detail, so that answer carries the
request id and is logged with its status, like the handlers' errors.

CORS is answered here rather than by a static allow-list: a preflight carries no credential,
so it is allowed for any origin some tenant lets its widget run on; the actual response gets
``Access-Control-Allow-Origin`` only when the guard accepted that origin for the credential.
No cookies cross origins (no ``Allow-Credentials``): the widget sends its token in a header.
"""

from __future__ import annotations

import re
import time
from typing import Any

import anyio.to_thread
import structlog
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Message,
    Receive,
    Scope,
    Send,
)

from openbrain.api.guards import CORS_ORIGIN
from openbrain.api.problems import problem_response
from openbrain.api.services import services_of
from openbrain.domain.base import new_id

log = structlog.get_logger("openbrain.api.access")
WIDGET_PATHS = re.compile(
    r"^/v1/(chat|me|widget/session|sessions|sessions/[^/]+/(messages|events))$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_ALLOW_HEADERS = ("authorization, content-type, accept, x-session-id, x-request-id, "
                  "idempotency-key, x-visitor-secret, last-event-id")
_EXPOSE_HEADERS = "x-session-id, x-request-id, retry-after"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        http: HTTPScope = scope
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        origin = _header(scope, b"origin")
        widget_path = bool(WIDGET_PATHS.match(scope["path"]))
        if http["method"] == "OPTIONS" and origin and widget_path:
            await self._preflight(http, send, origin, request_id)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                headers["x-request-id"] = request_id
                allowed = state.get(CORS_ORIGIN)
                if widget_path and allowed and allowed == origin:
                    headers["access-control-allow-origin"] = allowed
                    headers["access-control-expose-headers"] = _EXPOSE_HEADERS
                    headers.add("vary", "Origin")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if status is not None:
                raise  # too late for a problem detail: the server drops the connection
            request: Request[Any, Any, Any] = Request(scope, receive)
            answer = problem_response(request, exc).to_asgi_response(app=None, request=request)
            await answer(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                method=http["method"],
                path=scope["path"],
                status=500 if status is None else status,
                ms=round((time.perf_counter() - started) * 1000, 2),
                client_id=state.get("client_id"),
            )

    async def _preflight(
        self, scope: HTTPScope, send: Send, origin: str, request_id: str
    ) -> None:
        services = services_of(scope["app"].state)
        known = await anyio.to_thread.run_sync(services.tenants.widget_origins)
        headers = [(b"x-request-id", request_id.encode()), (b"vary", b"Origin")]
        status = 403
        if origin in known:
            status = 204
            headers += [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-methods", b"GET, POST"),
                (b"access-control-allow-headers", _ALLOW_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
            ]
        start: HTTPResponseStartEvent = {
            "type": "http.response.start", "status": status, "headers": headers,
        }
        await send(start)
        body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"",
                                       "more_body": False}
        await send(body)
        log.info("preflight", path=scope["path"], status=status)
