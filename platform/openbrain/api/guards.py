"""Authorization guards. Deny by default: every route carries exactly one of these.

The caller is already authenticated when a guard runs (:mod:`openbrain.api.auth_middleware`
put the :class:`Principal` in ``request.user``). ``requires_scope(...)`` checks that principal
against the route's :class:`AccessRule` (kinds of credential, the widget's origin, scopes),
then runs the rate-limit step. ``public`` marks the few routes that need no credential (the
authentication middleware skips them). :func:`check_guarded` refuses to build an app with a
route that has neither.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers.base import BaseRouteHandler
from litestar.handlers.http_handlers import HTTPRouteHandler

from openbrain.api.principal import Principal
from openbrain.api.rate_limit import limit_rate
from openbrain.auth.widget_tokens import (
    VISITOR_SECRET_HEADER,
    WidgetGrant,
    same_visitor,
    visitor_hash,
)
from openbrain.domain.api_key import Scope
from openbrain.domain.errors import ForbiddenError, UnauthorizedError

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]
CORS_ORIGIN = "cors_origin"
SCHEMA_PATH = "/schema"
"""Where the OpenAPI documents are served: no guard, no credential."""
_MARKER = "openbrain_guard"


def _mark(guard: Any, marker: str) -> Any:
    setattr(guard, _MARKER, marker)
    return guard


async def _public(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """No credential needed."""


public: Guard = _mark(_public, "public")


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Which principals a route admits. A plain check: no I/O, no request state."""

    scopes: frozenset[str]
    widget: bool = False
    """Widget session tokens may use the route too (their Origin must match; the handler
    limits them to their own session and profile)."""
    publishable: bool = False
    """The route takes a raw publishable key (only ``/v1/widget/session``), and nothing else."""

    def check(self, principal: Principal, origin: str | None) -> str | None:
        """Admit ``principal`` calling from ``origin``, or raise.

        Returns:
            The origin accepted for a widget credential (CORS answers it), else ``None``.

        Raises:
            ForbiddenError: the credential may not use this route.
        """
        if self.publishable:
            if principal.kind != "publishable":
                raise ForbiddenError("this route takes a publishable key (ob_pk_…)")
        elif principal.kind == "publishable":
            raise ForbiddenError("a publishable key can only open a widget session")
        elif principal.kind == "publishable-session":
            if not self.widget:
                raise ForbiddenError("a widget session may only chat")
            if origin != principal.allowed_origins[0]:
                raise ForbiddenError("the widget session belongs to another origin")
        # A widget session's reach is the route's widget rule (its own session, chat only),
        # enforced by the handler; every other credential needs the scopes.
        missing = self.scopes - principal.scopes if principal.kind != "publishable-session" else ()
        if missing:
            raise ForbiddenError(f"the credential lacks the scope(s): {', '.join(sorted(missing))}")
        if principal.kind in ("publishable", "publishable-session"):
            if origin is None or origin not in principal.allowed_origins:
                raise ForbiddenError("this origin is not allowed for the key")
            return origin
        return None


def requires_scope(*scopes: Scope, widget: bool = False, publishable: bool = False) -> Guard:
    """A guard admitting credentials that hold every scope in ``scopes`` (see
    :class:`AccessRule` for ``widget`` and ``publishable``)."""
    rule = AccessRule(frozenset(scopes), widget=widget, publishable=publishable)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any],
                    handler: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        accepted = rule.check(principal, connection.headers.get("origin"))
        if accepted is not None:
            connection.scope["state"][CORS_ORIGIN] = accepted
        if principal.grant is not None:  # after the CORS grant: the widget reads the 401
            check_visitor(principal.grant, connection.headers.get(VISITOR_SECRET_HEADER))
        # Last, so that only admitted requests count (and a 429 still carries CORS headers).
        await limit_rate(connection, handler)

    guard.__qualname__ = f"requires_scope({', '.join(scopes)})"
    marked: Guard = _mark(guard, "scoped")
    return marked


class GuardedHandler(HTTPRouteHandler):
    """An HTTP route handler whose guards receive the handler itself. Litestar hands each
    guard ``copy(handler)`` on every request (about 12 µs: the handler has some 60
    attributes), so that a guard cannot change the route; ours read nothing from it.
    For the turn routes, where those microseconds are a share of the request."""

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():  # each made async by ``resolve_guards``
            await guard(connection, self)  # type: ignore[misc]


def guarded_post(**kwargs: Any) -> GuardedHandler:
    """``@post(...)`` for a :class:`GuardedHandler`."""
    return GuardedHandler(http_method=HttpMethod.POST, **kwargs)


def check_visitor(grant: WidgetGrant, secret: str | None) -> None:
    """A widget session token works only with the visitor secret it was minted for, so a
    token alone (copied from a log or a screen) reaches nothing.

    Raises:
        UnauthorizedError: the header is missing or holds another visitor's secret.
    """
    if secret is None or not same_visitor(grant.visitor_hash, visitor_hash(secret)):
        raise UnauthorizedError(f"a widget session needs its visitor secret "
                                f"({VISITOR_SECRET_HEADER})")


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated caller (``request.user``).

    Raises:
        UnauthorizedError: the request was not authenticated (a public route).
    """
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal):
        raise UnauthorizedError("a credential is required")
    return principal


def _marker(handler: BaseRouteHandler) -> str | None:
    for guard in handler.resolve_guards():
        marker = getattr(guard, _MARKER, None)
        if marker is not None:
            return str(marker)
    return None


def is_public(handler: BaseRouteHandler) -> bool:
    """Whether the handler is marked ``public`` (served without a credential)."""
    return _marker(handler) == "public"


def is_guarded(handler: HTTPRouteHandler) -> bool:
    """Whether the handler carries an explicit OpenBrain guard (scoped or public)."""
    return _marker(handler) is not None


def check_guarded(app: Litestar) -> None:
    """Refuse to start with a route that has no explicit guard (deny by default)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            if handler.http_methods == {"OPTIONS"} or route.path.startswith(SCHEMA_PATH):
                continue  # automatic preflight handlers and the OpenAPI documents
            if not is_guarded(handler):
                raise RuntimeError(f"route {route.path} has no guard: add requires_scope or public")
