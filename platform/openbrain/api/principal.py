"""Who is calling: built only from a verified credential (never from the request body)."""

from __future__ import annotations

from typing import Literal

import msgspec

from openbrain.auth.widget_tokens import WidgetGrant

PrincipalKind = Literal["secret", "publishable", "publishable-session", "jwt"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    kind: PrincipalKind
    client_id: str | None
    role: str
    scopes: frozenset[str]
    subject: str
    """The key id, JWT subject or widget visitor id: what per-caller rate limits count."""
    key_id: str | None = None
    allowed_origins: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    grant: WidgetGrant | None = None
    """Set for widget session tokens: the origin, profile and session the token is bound to."""
