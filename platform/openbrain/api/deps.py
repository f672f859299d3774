"""Dependency providers: the caller's principal, its tenant store and the app services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from openbrain.api.guards import principal_of
from openbrain.api.principal import Principal
from openbrain.api.services import Services, services_of
from openbrain.api.strict_body import decode_body_strictly
from openbrain.domain.errors import ForbiddenError
from openbrain.store import TenantStore


def provide_services(request: Request[Any, Any, Any]) -> Services:
    return services_of(request.app.state)


def provide_principal(request: Request[Any, Any, Any],
                      services: NamedDependency[Services]) -> Principal:
    # ``services`` only orders the providers into a chain: Litestar resolves providers that
    # do not depend on each other in a task group per request, a chain in the request's task.
    del services
    return principal_of(request)


def provide_store(principal: NamedDependency[Principal],
                  services: NamedDependency[Services]) -> TenantStore:
    """The tenant store of the credential's tenant: the only way a handler reaches data."""
    return TenantStore(services.driver, tenant_of(principal))


def tenant_of(principal: Principal) -> str:
    """The credential's tenant.

    Raises:
        ForbiddenError: the credential is bound to no tenant.
    """
    if principal.client_id is None:
        raise ForbiddenError("this credential is not bound to a tenant")
    return principal.client_id


def request_store(request: Request[Any, Any, Any]) -> TenantStore:
    """What the ``store`` dependency gives, read by a handler itself: Litestar resolves each
    dependency through a signature model of its own, a share of a chat turn's request."""
    return TenantStore(services_of(request.app.state).driver, tenant_of(principal_of(request)))


async def check_body_and_tenant(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of a route whose handler calls :func:`request_store` instead of
    taking ``store``: the app's strict body check, then the tenant check, in the order a
    request met them (the ``store`` dependency ran after the body check and before the
    parameters' validation)."""
    await decode_body_strictly(request)
    tenant_of(principal_of(request))


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
}

# Handler parameters named ``services``, ``principal`` and ``store`` are injected by name.
ServicesDep = NamedDependency[Services]
PrincipalDep = NamedDependency[Principal]
StoreDep = NamedDependency[TenantStore]
