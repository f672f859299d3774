"""Tenant onboarding: specs written into the table, each tenant with a default profile.

The tenant spec files are the source of truth for every field but one: a tenant a platform
admin disabled through the API stays disabled until the API enables it again (a spec's
``disabled = true`` disables it too; see ``docs/tenants.md``). The embedded runtime (``ob
serve``, ``ob``, ``ob-chat``) and ``ob-admin tenants sync`` call :func:`sync_tenants` at start.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from openbrain.domain.agent_config import (
    DEFAULT_MODEL,
    DEFAULT_PROFILE,
    AgentConfig,
    AgentSettings,
)
from openbrain.domain.errors import ConflictError
from openbrain.domain.tenant import Tenant
from openbrain.store import TableDriver, TenantRepository, TenantStore

DEFAULT_SETTINGS = AgentSettings(
    system_message=(
        "You are a friendly assistant for a small business. Answer briefly and politely. "
        "When the person shares their name, e-mail address or phone number, save them with "
        "capture_lead (or update_lead once a lead is saved) without asking for permission. "
        "If they ask for a human, use connect_with_agent. Never invent contact details."
    ),
    ice_breaker=(
        "Hello! I'm here to help. Tell me what you're looking for, and leave your name and "
        "e-mail or phone number if you'd like someone to get back to you."
    ),
    model=DEFAULT_MODEL,
    tools=["capture_lead", "update_lead", "connect_with_agent"],
    widget_enabled=True,
)


def ensure_default_profile(store: TenantStore) -> AgentConfig:
    """The tenant's ``default`` profile, created (version 1) if it does not exist yet."""
    existing = store.configs.get(DEFAULT_PROFILE)
    if existing is not None:
        return existing
    try:
        return store.configs.save(DEFAULT_PROFILE, DEFAULT_SETTINGS, expected_version=0)
    except ConflictError:  # created concurrently by another process: use theirs
        return store.configs.require(DEFAULT_PROFILE)


def sync_tenants(driver: TableDriver, tenants: Iterable[Tenant]) -> list[str]:
    """Write each spec into the table (unless the stored record already equals it) and make
    sure the tenant has a default profile to chat with. Returns the tenant ids."""
    repo = TenantRepository(driver)
    ids = []
    for spec in tenants:
        tenant = spec
        if not spec.disabled and repo.disabled_by_admin(spec.client_id):
            tenant = msgspec.structs.replace(spec, disabled=True)
        if repo.get(tenant.client_id) != tenant:
            repo.save(tenant)
        ensure_default_profile(TenantStore(driver, tenant.client_id))
        ids.append(tenant.client_id)
    return ids
