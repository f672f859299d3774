"""Where a tenant's events go: the routing plan's routes (from ``tenants/``) merged with the
webhook routes the tenant added through the API (stored in the table)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from openbrain.domain.delivery import RouteSource
from openbrain.domain.tenant import Plan, Route
from openbrain.store.driver import TableDriver
from openbrain.store.tenant_store import TenantStore
from openbrain.store.tenants import TenantRepository
from openbrain.tenancy.routing import RoutingPlan


class TenantRoutes(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str
    routes: tuple[tuple[Route, RouteSource], ...]
    max_attempts: int

    def routes_for(self, detail_type: str) -> list[Route]:
        return [r for r, _ in self.routes if r.enabled and detail_type in r.event_types]


class RouteResolver:
    """Resolves a tenant's routes. Spec tenants come from the plan; tenants onboarded through
    the API only (not in ``tenants/``) from their table record; disabled tenants get none."""

    def __init__(self, driver: TableDriver, plan: RoutingPlan) -> None:
        self._driver = driver
        self.plan = plan

    def for_tenant(self, client_id: str) -> TenantRoutes:
        spec = self.plan.for_tenant(client_id)
        if spec is not None:
            declared, max_attempts = spec.routes, spec.max_receive_count
        else:
            tenant = TenantRepository(self._driver).get(client_id)
            if tenant is None or tenant.disabled:
                return TenantRoutes(
                    client_id=client_id, routes=(), max_attempts=Plan().max_delivery_attempts
                )
            declared, max_attempts = tuple(tenant.routes), tenant.plan.max_delivery_attempts
        routes: list[tuple[Route, RouteSource]] = [(r, "spec") for r in declared]
        taken = {r.route_id for r in declared}
        for added in TenantStore(self._driver, client_id).routes.list():
            if added.route.route_id not in taken:
                routes.append((added.route, "added"))
        return TenantRoutes(client_id=client_id, routes=tuple(routes), max_attempts=max_attempts)

    def client_ids(self) -> list[str]:
        """Every tenant that may have events: the plan's and those stored in the table."""
        return known_client_ids(self._driver, (t.client_id for t in self.plan.tenants))


def known_client_ids(driver: TableDriver, spec_ids: Iterable[str]) -> list[str]:
    ids = set(spec_ids)
    repo = TenantRepository(driver)
    cursor: str | None = None
    while True:
        tenants, cursor = repo.list(limit=1000, cursor=cursor)
        ids.update(t.client_id for t in tenants if not t.disabled)
        if cursor is None:
            return sorted(ids)
