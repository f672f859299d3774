"""Tenant specs (``tenants/*.toml``) and the routing plan derived from them."""

from openbrain.tenancy.loader import TenantSpecError, load_tenant, load_tenants
from openbrain.tenancy.routing import (
    RoutingPlan,
    TenantRouting,
    build_routing_plan,
    bus_name,
    event_pattern,
)

__all__ = (
    "RoutingPlan",
    "TenantRouting",
    "TenantSpecError",
    "build_routing_plan",
    "bus_name",
    "event_pattern",
    "load_tenant",
    "load_tenants",
)
