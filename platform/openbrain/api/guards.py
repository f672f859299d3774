"""Authorization guards. Deny by default: every route carries exactly one of these.

``requires_scope(...)`` authenticates the caller, checks its scopes, the widget rules (Origin
must match the token's; only routes that allow widget sessions) and the tenant's rate limits.
``public`` marks the few routes that need no credential. :func:`check_guarded` refuses to
build an app with a route that has neither.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from litestar import Litestar
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.handlers.http_handlers import HTTPRouteHandler

from openbrain.api.authn import extract_token
from openbrain.api.limits import check_limits
from openbrain.api.principal import Principal
from openbrain.api.services import services_of
from openbrain.domain.api_key import Scope
from openbrain.domain.errors import ForbiddenError, UnauthorizedError

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]
PRINCIPAL = "principal"
CORS_ORIGIN = "cors_origin"


def _mark(guard: Any, marker: str) -> Any:
    guard.openbrain_guard = marker
    return guard


async def _public(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """No credential needed."""


public: Guard = _mark(_public, "public")


def requires_scope(*scopes: Scope, widget: bool = False, publishable: bool = False) -> Guard:
    """A guard admitting credentials that hold every scope in ``scopes``.

    ``widget``: widget session tokens may use the route too (their Origin must match; the
    handler limits them to their own session and profile).
    ``publishable``: the route takes a raw publishable key (only ``/v1/widget/session``),
    and nothing else.
    """
    needed = frozenset(scopes)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        services = services_of(connection.app.state)
        token = extract_token(connection.headers.get("authorization"),
                              connection.headers.get("x-api-key"))
        # The key lookup blocks (a store read): a worker thread, the same pool as sync handlers
        # (``run_in_executor`` with the request's context: lighter than anyio's task group).
        principal = await sync_to_thread(services.authenticator.authenticate, token)
        origin = connection.headers.get("origin")
        if publishable:
            if principal.kind != "publishable":
                raise ForbiddenError("this route takes a publishable key (ob_pk_…)")
        elif principal.kind == "publishable":
            raise ForbiddenError("a publishable key can only open a widget session")
        elif principal.kind == "publishable-session":
            if not widget:
                raise ForbiddenError("a widget session may only chat")
            if origin != principal.allowed_origins[0]:
                raise ForbiddenError("the widget session belongs to another origin")
        # A widget session's reach is the route's widget rule (its own session, chat only),
        # enforced by the handler; every other credential needs the scopes.
        missing = needed - principal.scopes if principal.kind != "publishable-session" else ()
        if missing:
            raise ForbiddenError(f"the credential lacks the scope(s): {', '.join(sorted(missing))}")
        if principal.kind in ("publishable", "publishable-session"):
            if origin is None or origin not in principal.allowed_origins:
                raise ForbiddenError("this origin is not allowed for the key")
            connection.scope["state"][CORS_ORIGIN] = origin
        connection.scope["state"][PRINCIPAL] = principal
        if principal.client_id is not None:
            connection.scope["state"]["client_id"] = principal.client_id
            structlog.contextvars.bind_contextvars(client_id=principal.client_id)
            tenant = services.tenants.get(principal.client_id)
            if tenant is not None:
                subject, visitor = principal.subject, principal.kind == "publishable-session"
                if principal.kind == "publishable":  # one key, many visitors: count per address
                    host = connection.client.host if connection.client else "-"
                    subject, visitor = f"ip:{host}", True
                check_limits(services.limiter, tenant.plan, principal.client_id, subject,
                             visitor=visitor)

    guard.__qualname__ = f"requires_scope({', '.join(scopes)})"
    marked: Guard = _mark(guard, "scoped")
    return marked


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = connection.scope["state"].get(PRINCIPAL)
    if not isinstance(principal, Principal):
        raise UnauthorizedError("a credential is required")
    return principal


def is_guarded(handler: HTTPRouteHandler) -> bool:
    """Whether the handler carries an explicit OpenBrain guard (scoped or public)."""
    return any(getattr(g, "openbrain_guard", None) for g in handler.resolve_guards())


def check_guarded(app: Litestar) -> None:
    """Refuse to start with a route that has no explicit guard (deny by default)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            if handler.http_methods == {"OPTIONS"} or route.path.startswith("/schema"):
                continue  # automatic preflight handlers and the OpenAPI documents
            if not is_guarded(handler):
                raise RuntimeError(f"route {route.path} has no guard: add requires_scope or public")
