"""The rate-limit step of a request: the tenant's plan applied to an admitted caller.

It runs after authentication (which found the tenant, ``request.auth``) and after the route's
access check, as the last part of the ``requires_scope`` guard: a refused request never
counts, and a 429 to a widget still carries the CORS grant. Public routes and credentials of
no tenant are not limited here. The counters live in the store, so the count runs in a worker
thread, off the event loop, unless this process's leased slices answer it alone.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from openbrain.api.limits import check_limits, check_limits_leased
from openbrain.api.principal import Principal
from openbrain.api.services import services_of
from openbrain.domain.tenant import Tenant
from openbrain.store import TenantStore


async def limit_rate(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Count the request against its tenant and its key, user or visitor.

    Raises:
        RateLimitedError: a bucket is empty (429 with ``Retry-After``).
    """
    principal, tenant = connection.scope.get("user"), connection.scope.get("auth")
    if not isinstance(principal, Principal) or not isinstance(tenant, Tenant):
        return
    subject, visitor = principal.subject, principal.kind == "publishable-session"
    if principal.kind == "publishable":  # one key, many visitors: count per address
        host = connection.client.host if connection.client else "-"
        subject, visitor = f"ip:{host}", True
    services = services_of(connection.app.state)
    store = TenantStore(services.driver, tenant.client_id)
    # Most requests spend from slices this process already leased: no store call, no hop.
    if check_limits_leased(services.limiter, store, tenant.plan, subject, visitor=visitor):
        return
    await anyio.to_thread.run_sync(lambda: check_limits(services.limiter, store, tenant.plan,
                                                        subject, visitor=visitor))
