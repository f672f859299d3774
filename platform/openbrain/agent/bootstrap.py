"""Embedded-mode bootstrap: tenant specs written into the table, each with a default profile."""

from __future__ import annotations

from openbrain.agent.profiles import ensure_default_profile
from openbrain.settings import Settings
from openbrain.store import TableDriver, TenantRepository, TenantStore
from openbrain.tenancy import load_tenants


def sync_tenants(driver: TableDriver, settings: Settings) -> list[str]:
    """Write ``tenants/*.toml`` into the table (the files are the source of truth) and make sure
    each tenant has a default profile to chat with. Returns the tenant ids."""
    repo = TenantRepository(driver)
    ids = []
    for tenant in load_tenants(settings.tenants_dir):
        if repo.get(tenant.client_id) != tenant:
            repo.save(tenant)
        ensure_default_profile(TenantStore(driver, tenant.client_id))
        ids.append(tenant.client_id)
    return ids
