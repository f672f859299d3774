"""The profile every tenant starts with, created on first use (CLI, embedded server)."""

from __future__ import annotations

from openbrain.domain.agent_config import DEFAULT_PROFILE, AgentConfig, AgentSettings
from openbrain.domain.errors import ConflictError
from openbrain.store.tenant_store import TenantStore

# Runs on the configured endpoint when there is one, offline otherwise (with a notice).
DEFAULT_MODEL = "gpt-4o-mini"
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
