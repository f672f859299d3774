"""Authentication as ASGI middleware: ``request.user`` is the caller's :class:`Principal`.

Every route is authenticated except those marked ``public`` and the OpenAPI documents (and
CORS preflights, which carry no credential). A missing or invalid credential is refused here
(401, or 403 for a disabled tenant), before any guard runs. ``request.auth`` is the caller's
:class:`~openbrain.domain.tenant.Tenant` (``None`` for a credential of no tenant), which the
rate-limit step reads the plan from.

What Litestar's ``AbstractAuthenticationMiddleware`` does (the same routes skipped, the same
``scope["user"]`` and ``scope["auth"]``), read straight from the ASGI scope: no connection
object, header mapping or result object per request (tests/api/test_auth_middleware.py).
"""

from __future__ import annotations

import re

import structlog
from litestar.concurrency import sync_to_thread
from litestar.enums import HttpMethod, ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from openbrain.api.authn import extract_token
from openbrain.api.guards import SCHEMA_PATH, is_public
from openbrain.api.scope_headers import header
from openbrain.api.services import services_of

_EXCLUDED = re.compile(f"^{re.escape(SCHEMA_PATH)}(/|$)")
_EXCLUDE_OPT = "exclude_from_auth"  # Litestar's key: a handler whose ``opt`` sets it is skipped


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not _skipped(scope):
            await self._authenticate(scope)
        await self.app(scope, receive, send)

    @staticmethod
    async def _authenticate(scope: Scope) -> None:
        token = extract_token(header(scope, b"authorization"), header(scope, b"x-api-key"))
        authenticator = services_of(scope["app"].state).authenticator
        # A key read moments ago is checked on the loop (a hash and a compare); otherwise the
        # lookup blocks (a store read): a worker thread, the same pool as sync handlers
        # (``run_in_executor`` with the request's context: lighter than anyio's task group).
        found = authenticator.cached(token)
        principal, tenant = (found if found is not None
                             else await sync_to_thread(authenticator.authenticate, token))
        if principal.client_id is not None:
            scope["state"]["client_id"] = principal.client_id  # the access log's
            structlog.contextvars.bind_contextvars(client_id=principal.client_id)
        scope["user"] = principal
        scope["auth"] = tenant


def _skipped(scope: Scope) -> bool:
    """Litestar's bypass rules for this middleware: preflights (``OPTIONS``), the OpenAPI
    documents, handlers that opt out; and ours: handlers marked ``public``."""
    handler = scope.get("route_handler")
    if handler is not None and (handler.opt.get(_EXCLUDE_OPT) or is_public(handler)):
        return True
    if scope.get("method") == HttpMethod.OPTIONS:
        return True
    # Litestar matches a mounted app's path as the client sent it.
    path = scope["raw_path"].decode() if getattr(handler, "is_mount", False) else scope["path"]
    return _EXCLUDED.match(path) is not None
