"""Authentication as Litestar middleware: ``request.user`` is the caller's :class:`Principal`.

Every route is authenticated except those marked ``public`` and the OpenAPI documents (and
CORS preflights, which carry no credential). A missing or invalid credential is refused here
(401, or 403 for a disabled tenant), before any guard runs. ``request.auth`` is the caller's
:class:`~openbrain.domain.tenant.Tenant` (``None`` for a credential of no tenant), which the
rate-limit step reads the plan from.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Receive, Scope, Send

from openbrain.api.authn import extract_token
from openbrain.api.guards import SCHEMA_PATH, is_public
from openbrain.api.services import services_of


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, exclude=f"^{re.escape(SCHEMA_PATH)}(/|$)",
                         scopes={ScopeType.HTTP})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if handler is not None and is_public(handler):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = extract_token(connection.headers.get("authorization"),
                              connection.headers.get("x-api-key"))
        authenticator = services_of(connection.app.state).authenticator
        # A key read moments ago is checked on the loop (a hash and a compare); otherwise the
        # lookup blocks (a store read): a worker thread, the same pool as sync handlers
        # (``run_in_executor`` with the request's context: lighter than anyio's task group).
        found = authenticator.cached(token)
        principal, tenant = (found if found is not None
                             else await sync_to_thread(authenticator.authenticate, token))
        if principal.client_id is not None:
            connection.scope["state"]["client_id"] = principal.client_id  # the access log's
            structlog.contextvars.bind_contextvars(client_id=principal.client_id)
        return AuthenticationResult(user=principal, auth=tenant)
