"""API keys: only a SHA-256 hash is stored; the secret is shown once, at creation."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

from openbrain.domain.base import ClientId, Record, ShortText, Timestamp
from openbrain.domain.tenant import Origin

KeyKind = Literal["secret", "publishable"]
TenantScope = Literal[
    "chat",
    "configs:read",
    "configs:write",
    "sessions:read",
    "leads:read",
    "leads:write",
    "keys:manage",
    "events:manage",
]
Scope = TenantScope | Literal["platform:admin"]
ALL_TENANT_SCOPES: tuple[TenantScope, ...] = get_args(TenantScope)


class ApiKey(Record, kw_only=True, frozen=True):
    """A stored key. ``secret_hash`` is hex SHA-256 of the whole token; the token is never kept."""

    client_id: ClientId
    key_id: str
    kind: KeyKind
    name: ShortText = ""
    scopes: list[Scope] = msgspec.field(default_factory=list)
    allowed_origins: list[Origin] = msgspec.field(default_factory=list)
    profiles: list[str] = msgspec.field(default_factory=list)
    secret_hash: str
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    last_used_at: Timestamp | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
