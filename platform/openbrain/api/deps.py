"""Dependency providers: the caller's principal, its tenant store and the app services."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from openbrain.api.guards import principal_of
from openbrain.api.principal import Principal
from openbrain.api.services import Services, services_of
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
    if principal.client_id is None:
        raise ForbiddenError("this credential is not bound to a tenant")
    return TenantStore(services.driver, principal.client_id)


DEPENDENCIES = {
    "services": Provide(provide_services, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
}

# Handler parameters named ``services``, ``principal`` and ``store`` are injected by name.
ServicesDep = NamedDependency[Services]
PrincipalDep = NamedDependency[Principal]
StoreDep = NamedDependency[TenantStore]
