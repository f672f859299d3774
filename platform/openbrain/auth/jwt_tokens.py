"""JWT verification (HS256 with a shared secret, or RS256/ES256 from a JWKS URL) and minting.

``alg`` is pinned to ``settings.jwt_algorithms``: a token's header never chooses the
algorithm, so ``alg: none`` and HS/RS confusion (an HS256 token signed with the RSA public
key) are refused. ``exp``, ``iss`` and ``aud`` are required and checked.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import msgspec

from openbrain.domain.api_key import ALL_TENANT_SCOPES, Scope
from openbrain.domain.errors import InvalidError, UnauthorizedError
from openbrain.settings import Settings

# ``jwt`` is imported where a token is first handled, not at start: PyJWT imports
# ``cryptography`` (about 15 MiB resident and a fifth of a server's start) whenever it is
# installed, and a server that never sees a JWT never needs it.
if TYPE_CHECKING:
    import jwt

_READ_SCOPES: tuple[Scope, ...] = ("configs:read", "sessions:read", "leads:read")
_ROLE_SCOPES: dict[str, tuple[Scope, ...]] = {
    "admin": ALL_TENANT_SCOPES,
    "viewer": _READ_SCOPES,
    "platform-admin": (*ALL_TENANT_SCOPES, "platform:admin"),
}
ROLES = tuple(_ROLE_SCOPES)
_HMAC_ALGORITHMS = {"HS256", "HS384", "HS512"}
_JWKS_CACHE_SECONDS = 300


def role_scopes(role: str) -> tuple[Scope, ...]:
    """The scopes a JWT role grants (an unknown role grants none)."""
    return _ROLE_SCOPES.get(role, ())


class JwtClaims(msgspec.Struct, frozen=True, kw_only=True):
    """What the API takes from a verified token."""

    subject: str
    client_id: str | None
    role: str
    scopes: tuple[Scope, ...]


def claims_of(subject: str, *, tenant: object, role: object) -> JwtClaims:
    """What a verified token grants: its role's scopes, in its tenant (any issuer's rules)."""
    if not isinstance(role, str) or role not in _ROLE_SCOPES:
        raise UnauthorizedError("the token carries no known role")
    if tenant is not None and not isinstance(tenant, str):
        raise UnauthorizedError("the token's tenant claim is not a string")
    if tenant is None and role != "platform-admin":
        raise UnauthorizedError("the token names no tenant")
    return JwtClaims(subject=subject, client_id=tenant, role=role, scopes=role_scopes(role))


def jwt_imported() -> bool:
    """Whether PyJWT is imported yet. Importing it is blocking work (a tenth of a second and
    more): code on the event loop hands a token to a thread until it is."""
    return "jwt" in sys.modules


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


def unverified_issuer(token: str) -> object:
    """The ``iss`` a token claims, unverified: only to pick the verifier that checks it."""
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None


class JwtVerifier:
    """Verifies tokens per the settings. The JWKS client caches keys (refetched on a new kid)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._algorithms = list(settings.jwt_algorithms)
        asymmetric = [a for a in self._algorithms if a not in _HMAC_ALGORITHMS]
        if asymmetric and set(self._algorithms) & _HMAC_ALGORITHMS:
            # Mixing families is what makes algorithm confusion possible: refuse the config.
            raise InvalidError("OB_JWT_ALGORITHMS must not mix HMAC and public-key algorithms")
        self._jwks: jwt.PyJWKClient | None = None
        if asymmetric and settings.jwt_jwks_url:
            import jwt

            self._jwks = jwt.PyJWKClient(
                settings.jwt_jwks_url, cache_keys=True, lifespan=_JWKS_CACHE_SECONDS, timeout=5
            )

    @property
    def issuer(self) -> str:
        return self._settings.jwt_issuer

    @property
    def enabled(self) -> bool:
        return self._jwks is not None or bool(self._settings.jwt_secret)

    def verify(self, token: str) -> JwtClaims:
        """The claims of a valid token. Raises :class:`UnauthorizedError` otherwise."""
        import jwt

        try:
            key: Any = self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise UnauthorizedError("the token has expired") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise UnauthorizedError("the token is not valid") from exc
        return claims_of(str(claims["sub"]), tenant=claims.get(self._settings.jwt_tenant_claim),
                         role=claims.get(self._settings.jwt_role_claim))

    def _key_for(self, token: str) -> Any:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        if self._settings.jwt_secret and set(self._algorithms) <= _HMAC_ALGORITHMS:
            return self._settings.jwt_secret
        raise UnauthorizedError("JWT sign-in is not configured on this server")


def mint_token(
    settings: Settings,
    *,
    client_id: str | None,
    role: str,
    subject: str = "ob-admin",
    ttl_seconds: int = 3600,
) -> str:
    """A local HS256 token (``ob-admin token``), signed with ``settings.jwt_secret``."""
    if not settings.jwt_secret:
        raise InvalidError("OB_JWT_SECRET is not set: cannot mint a local token")
    if role not in _ROLE_SCOPES:
        raise InvalidError(f"role must be one of {', '.join(ROLES)}")
    if client_id is None and role != "platform-admin":
        raise InvalidError("a tenant role needs a clientId")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_seconds,
        settings.jwt_role_claim: role,
    }
    if client_id is not None:
        claims[settings.jwt_tenant_claim] = client_id
    import jwt

    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
