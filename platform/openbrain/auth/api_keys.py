"""API key tokens: ``ob_sk_<clientId>_<keyId>_<secret>`` (secret) and ``ob_pk_…`` (publishable).

The token names its tenant and key id, so verifying it is one strongly consistent ``get`` in
that tenant's partition plus a SHA-256 and a constant-time compare: microseconds, no scan and
no slow password hash (the secret is 256 random bits, so a fast hash is enough). ``_`` is a
safe separator: client ids are letters, digits and hyphens; key ids are Crockford base32
(both shapes come from :mod:`openbrain.domain.ids`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import msgspec

from openbrain.domain.api_key import KeyKind
from openbrain.domain.base import new_id
from openbrain.domain.ids import CLIENT_ID, GENERATED_ID

_PREFIX: dict[KeyKind, str] = {"secret": "ob_sk_", "publishable": "ob_pk_"}
_KIND_OF = {prefix: kind for kind, prefix in _PREFIX.items()}
_TOKEN = re.compile(
    rf"(?P<prefix>{'|'.join(map(re.escape, _KIND_OF))})(?P<client>{CLIENT_ID.body})_"
    rf"(?P<key>{GENERATED_ID.body})_(?P<secret>[A-Za-z0-9_-]{{32,128}})"
)


class ParsedKey(msgspec.Struct, frozen=True, kw_only=True):
    """The parts of a well-formed key token (nothing here is verified yet)."""

    kind: KeyKind
    client_id: str
    key_id: str


def hash_token(token: str) -> str:
    """Hex SHA-256 of the whole token: the only form a key is stored in."""
    return hashlib.sha256(token.encode()).hexdigest()


def mint_key(client_id: str, kind: KeyKind) -> tuple[str, str, str]:
    """A new key for ``client_id``: ``(key_id, token, secret_hash)``. Show ``token`` once."""
    key_id = new_id()
    token = f"{_PREFIX[kind]}{client_id}_{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, token, hash_token(token)


def is_key_shaped(token: str) -> bool:
    return token.startswith(tuple(_KIND_OF))


def parse_key(token: str) -> ParsedKey | None:
    """The tenant, key id and kind a token claims, or ``None`` if it is not well formed."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    return ParsedKey(
        kind=_KIND_OF[match["prefix"]], client_id=match["client"], key_id=match["key"]
    )


def verify_secret(token: str, secret_hash: str) -> bool:
    """Whether ``token`` hashes to ``secret_hash`` (constant-time comparison)."""
    return hmac.compare_digest(hash_token(token), secret_hash)
