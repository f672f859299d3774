"""One-time sign-in codes: ``obc_<clientId>_<secret>``, issued by the CLI, redeemed by the API.

A code names its tenant, so redeeming it is one strongly consistent ``get`` in that tenant's
partition, keyed by the SHA-256 of the whole code (the secret is 256 random bits, so a fast
hash is enough; the key *is* the hash, so nothing is compared in Python). Rewriting a code's
tenant changes its hash: it cannot be pointed at another tenant. What a code grants (role,
JWT lifetime) is fixed at issue; the JWT is minted only when the code is redeemed, with the
API's own secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from openbrain.auth.jwt_tokens import ROLES, mint_token
from openbrain.domain.base import utcnow
from openbrain.domain.errors import InvalidError, UnauthorizedError
from openbrain.domain.ids import CLIENT_ID
from openbrain.domain.signin import (
    MAX_TOKEN_TTL_SECONDS,
    SIGNIN_CODE_TTL_SECONDS,
    ExchangedToken,
    SigninCode,
)
from openbrain.settings import Settings
from openbrain.store.driver import TableDriver
from openbrain.store.signin_codes import INVALID
from openbrain.store.tenant_store import TenantStore

CODE_PREFIX = "obc_"
_CODE = re.compile(
    rf"{CODE_PREFIX}(?P<client>{CLIENT_ID.body})_(?P<secret>[A-Za-z0-9_-]{{43,128}})"
)
_HMAC_ALGORITHMS = {"HS256", "HS384", "HS512"}


def hash_code(code: str) -> str:
    """Hex SHA-256 of the whole code: the only form a code is stored in."""
    return hashlib.sha256(code.encode()).hexdigest()


def mint_code(client_id: str) -> str:
    return f"{CODE_PREFIX}{client_id}_{secrets.token_urlsafe(32)}"


def code_tenant(code: str) -> str | None:
    """The tenant a code names, or ``None`` if it is not well formed."""
    match = _CODE.fullmatch(code)
    return match["client"] if match else None


def issue_signin_code(
    driver: TableDriver,
    *,
    client_id: str,
    role: str,
    token_ttl_seconds: int,
    subject: str = "ob-admin",
) -> str:
    """Store a new one-time code for ``client_id`` and return it (shown once, never stored)."""
    if role not in ROLES:
        raise InvalidError(f"role must be one of {', '.join(ROLES)}")
    if not 60 <= token_ttl_seconds <= MAX_TOKEN_TTL_SECONDS:
        raise InvalidError(f"the token lifetime must be 60 to {MAX_TOKEN_TTL_SECONDS} seconds")
    code = mint_code(client_id)
    now = utcnow()
    TenantStore(driver, client_id).signin_codes.create(
        SigninCode(
            client_id=client_id,
            code_hash=hash_code(code),
            role=role,
            subject=subject,
            token_ttl_seconds=token_ttl_seconds,
            created_at=now,
            expires_at=now + timedelta(seconds=SIGNIN_CODE_TTL_SECONDS),
        )
    )
    return code


def check_can_mint(settings: Settings) -> None:
    """Codes are worth a locally signed (HS256) JWT: refuse when this server cannot verify one.

    Raises:
        UnauthorizedError: no JWT secret, or the server verifies public-key tokens only.
    """
    if not settings.jwt_secret or not set(settings.jwt_algorithms) <= _HMAC_ALGORITHMS:
        raise UnauthorizedError("sign-in links are not enabled on this server (no OB_JWT_SECRET)")


def redeem_signin_code(driver: TableDriver, settings: Settings, code: str) -> ExchangedToken:
    """Redeem ``code`` once for a JWT. Raises :class:`UnauthorizedError` otherwise."""
    client_id = code_tenant(code)
    if client_id is None:
        raise UnauthorizedError(INVALID)
    check_can_mint(settings)
    now = utcnow()
    record = TenantStore(driver, client_id).signin_codes.redeem(hash_code(code), now)
    token = mint_token(settings, client_id=record.client_id, role=record.role,
                       subject=record.subject, ttl_seconds=record.token_ttl_seconds)
    return ExchangedToken(
        token=token,
        expires_at=now + timedelta(seconds=record.token_ttl_seconds),
        client_id=record.client_id,
        role=record.role,
    )
