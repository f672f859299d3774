"""Answers the client reads that are not domain records as stored."""

from __future__ import annotations

import msgspec

from openbrain.domain.api_key import KeyKind, Scope
from openbrain.domain.base import ClientId, Record, Timestamp


class KeyInfo(Record, kw_only=True, frozen=True):
    """An API key as the API shows it: never its secret, nor the secret's hash."""

    client_id: ClientId
    key_id: str
    kind: KeyKind
    name: str = ""
    scopes: list[Scope] = msgspec.field(default_factory=list)
    allowed_origins: list[str] = msgspec.field(default_factory=list)
    profiles: list[str] = msgspec.field(default_factory=list)
    created_at: Timestamp
    revoked_at: Timestamp | None = None
    last_used_at: Timestamp | None = None


class NewKeySecret(Record, kw_only=True, frozen=True):
    """A created key with its secret, which the API shows this once."""

    key: KeyInfo
    secret: str


class Token(msgspec.Struct, frozen=True):
    """A piece of the answer while a turn streams (an SSE ``token`` event)."""

    text: str
