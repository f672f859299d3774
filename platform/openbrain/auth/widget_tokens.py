"""Widget session tokens: short-lived HS256 tokens a publishable key is exchanged for.

A token is bound to its tenant, the page's origin, one profile, a visitor id (for per-visitor
rate limits), the hash of the visitor's secret and optionally one session. It is signed with a
key derived from the server secret for this purpose only and carries its own audience, so it
can never pass as an admin JWT (and an admin JWT never passes as a widget token).

The visitor secret is what makes a widget session the visitor's own: random, issued once to
the browser (which keeps it and sends it as ``X-Visitor-Secret`` on every call), stored only
as its SHA-256 on the sessions it starts. A session id, a publishable key and an allowed
origin are all public; without the secret they reach no session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

import msgspec

from openbrain.domain.errors import UnauthorizedError

VISITOR_SECRET_HEADER = "X-Visitor-Secret"  # noqa: S105 (a header name)
VISITOR_SECRET_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 (its shape)
"""What :func:`new_visitor_secret` makes (256 random bits, URL-safe base64)."""
WIDGET_AUDIENCE = "openbrain-widget"
WIDGET_ISSUER = "openbrain"
DEFAULT_TTL_SECONDS = 3600


def new_visitor_secret() -> str:
    return secrets.token_urlsafe(32)


def visitor_hash(secret: str) -> str:
    """What is stored of a visitor secret (a random 256-bit value needs no slow hash)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_visitor(stored_hash: str | None, claimed_hash: str | None) -> bool:
    """Constant-time equality of two visitor hashes; never true when either is missing."""
    if stored_hash is None or claimed_hash is None:
        return False
    return hmac.compare_digest(stored_hash, claimed_hash)


class WidgetGrant(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str
    origin: str
    profile: str
    visitor_id: str
    visitor_hash: str
    key_id: str
    session_id: str | None = None
    expires_at: datetime


class WidgetTokens:
    """Mints and verifies widget tokens with one server secret."""

    def __init__(
        self, server_secret: str | None, *, ttl_seconds: int = DEFAULT_TTL_SECONDS
    ) -> None:
        # Without a configured secret, a random one: tokens then live as long as the process.
        base = (server_secret or secrets.token_urlsafe(32)).encode()
        self._key = hmac.new(base, b"openbrain widget session token", hashlib.sha256).digest()
        self._ttl = ttl_seconds

    def mint(
        self,
        *,
        client_id: str,
        origin: str,
        profile: str,
        key_id: str,
        session_id: str | None,
        visitor_hash: str,
        visitor_id: str | None = None,
    ) -> tuple[str, WidgetGrant]:
        now = int(time.time())
        grant = WidgetGrant(
            client_id=client_id,
            origin=origin,
            profile=profile,
            visitor_id=visitor_id or secrets.token_urlsafe(12),
            visitor_hash=visitor_hash,
            key_id=key_id,
            session_id=session_id,
            expires_at=datetime.fromtimestamp(now + self._ttl, UTC),
        )
        claims = {
            "iss": WIDGET_ISSUER,
            "aud": WIDGET_AUDIENCE,
            "iat": now,
            "exp": now + self._ttl,
            "cid": client_id,
            "org": origin,
            "prf": profile,
            "vid": grant.visitor_id,
            "vsh": visitor_hash,
            "kid": key_id,
            "sid": session_id,
        }
        import jwt  # on first use: see openbrain.auth.jwt_tokens

        return jwt.encode(claims, self._key, algorithm="HS256"), grant

    def verify(self, token: str) -> WidgetGrant:
        import jwt

        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=WIDGET_AUDIENCE,
                issuer=WIDGET_ISSUER,
                options={"require": ["exp", "iss", "aud", "cid", "org", "prf", "vid", "vsh",
                                     "kid"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise UnauthorizedError("the widget session has expired") from exc
        except jwt.PyJWTError as exc:
            raise UnauthorizedError("the token is not valid") from exc
        return WidgetGrant(
            client_id=claims["cid"],
            origin=claims["org"],
            profile=claims["prf"],
            visitor_id=claims["vid"],
            visitor_hash=claims["vsh"],
            key_id=claims["kid"],
            session_id=claims.get("sid"),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )

    def is_widget_token(self, token: str) -> bool:
        """Cheap check of the unverified audience, to route a bearer token to this verifier."""
        import jwt

        try:
            aud = jwt.decode(token, options={"verify_signature": False}).get("aud")
        except jwt.PyJWTError:
            return False
        return aud == WIDGET_AUDIENCE
