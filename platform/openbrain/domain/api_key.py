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
    "handoff",
]
Scope = TenantScope | Literal["platform:admin"]
ALL_TENANT_SCOPES: tuple[TenantScope, ...] = get_args(TenantScope)


class _KeyFields(Record, kw_only=True, frozen=True):
    """What every form of a key carries. The stored key and its public view are siblings, not
    parent and child, so a stored key can never type-check where a view is expected."""

    client_id: ClientId
    key_id: str
    kind: KeyKind
    name: ShortText = ""
    scopes: list[Scope] = msgspec.field(default_factory=list)
    allowed_origins: list[Origin] = msgspec.field(default_factory=list)
    profiles: list[str] = msgspec.field(default_factory=list)
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    last_used_at: Timestamp | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyView(_KeyFields, kw_only=True, frozen=True):
    """A key as clients see it: everything but the hash of its secret."""


class ApiKey(_KeyFields, kw_only=True, frozen=True):
    """A stored key. ``secret_hash`` is hex SHA-256 of the whole token; the token is never kept."""

    secret_hash: str

    def view(self) -> ApiKeyView:
        """This key without its hash: the only form a response carries."""
        return ApiKeyView(**{name: getattr(self, name) for name in ApiKeyView.__struct_fields__})
