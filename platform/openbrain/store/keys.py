"""Every key of the table, built in one place. Each begins with the tenant: ``T#{clientId}``.

The access patterns and the keys they use are tabled in ``docs/data-model.md``. Functions here
take the ``client_id`` as their first argument, so no code can name a record without naming
its tenant; only the platform's tenant listing lives outside a tenant partition.
"""

from __future__ import annotations

from datetime import datetime

TENANTS_INDEX = "TENANTS"
TENANT_SK = "TENANT"
SESSION_SK = "SESSION"
MESSAGE_PREFIX = "M#"
ACTION_PREFIX = "A#"
SEQ_WIDTH = 10


def tenant_pk(client_id: str) -> str:
    if not client_id or "#" in client_id:
        raise ValueError("client_id is required and may not contain '#'")
    return f"T#{client_id}"


def api_key_sk(key_id: str) -> str:
    return f"KEY#{key_id}"


def profile_head_sk(profile_name: str) -> str:
    return f"PROFILE#{profile_name}"


def profile_versions_pk(client_id: str, profile_name: str) -> str:
    return f"{tenant_pk(client_id)}#P#{profile_name}"


def version_sk(version: int) -> str:
    return f"V#{version:08d}"


def session_pk(client_id: str, session_id: str) -> str:
    return f"{tenant_pk(client_id)}#S#{session_id}"


def sessions_index(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#SESSIONS"


def session_index_sk(created_at: datetime, session_id: str) -> str:
    return f"{created_at.isoformat()}#{session_id}"


def message_sk(seq: int) -> str:
    return f"{MESSAGE_PREFIX}{seq:0{SEQ_WIDTH}d}"


def action_sk(action_id: str) -> str:
    return f"{ACTION_PREFIX}{action_id}"


def leads_pk(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#LEADS"


def lead_sk(lead_id: str) -> str:
    return f"L#{lead_id}"


def events_pk(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#EVENTS"


def event_sk(event_id: str) -> str:
    return f"E#{event_id}"


def pending_events_index(client_id: str) -> str:
    """Sparse index of unpublished outbox events; publishing removes the entry."""
    return f"{tenant_pk(client_id)}#PENDING"


def usage_pk(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#USAGE"


def usage_sk(day: str, profile_name: str) -> str:
    return f"D#{day}#P#{profile_name}"


def counter_pk(client_id: str) -> str:
    """Short-lived counters (rate-limit windows) of a tenant."""
    return f"{tenant_pk(client_id)}#COUNTERS"
