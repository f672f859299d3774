"""Cognito tokens: verified against the user pool's JWKS; tenant and role come from claims.

A stage's tenant admins sign in to the dashboard through the pool's hosted UI, and the
dashboard calls the API with their ID token. Checked here, each with its own 401 reason: the
signature (RS256 only, the key found by ``kid`` in the pool's JWKS, cached and refetched at
most every 30 s for an unknown ``kid``), ``exp``, ``iss`` (this pool), ``token_use`` (``id``
or ``access``) and the app client (``aud`` of an ID token, ``client_id`` of an access token).
The tenant and role are the user's ``custom:clientId`` and ``custom:role``, which only
operators can set (deploy/identity.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openbrain.auth.jwt_tokens import JwtClaims, claims_of
from openbrain.domain.errors import UnauthorizedError, UpstreamError
from openbrain.settings import CognitoSettings

if TYPE_CHECKING:
    import jwt  # imported on first use: see openbrain.auth.jwt_tokens

_ALGORITHM = "RS256"  # the only one Cognito signs with: a token's header never chooses
_JWKS_CACHE_SECONDS = 300
_LEEWAY_SECONDS = 30
_CLIENT_CLAIM = {"id": "aud", "access": "client_id"}


class CognitoVerifier:
    """Verifies the tokens of one user pool's app client."""

    def __init__(self, settings: CognitoSettings) -> None:
        if not (settings.verifies_tokens and settings.issuer and settings.jwks_url):
            raise ValueError("Cognito needs OB_COGNITO_CLIENT_ID and a user pool (or issuer)")
        self._settings = settings
        self.issuer: str = settings.issuer
        self._client_id = settings.client_id
        import jwt

        self._jwks: jwt.PyJWKClient = jwt.PyJWKClient(settings.jwks_url, cache_keys=True,
                                     lifespan=_JWKS_CACHE_SECONDS, timeout=5)

    @classmethod
    def from_settings(cls, settings: CognitoSettings) -> CognitoVerifier | None:
        """A verifier when the pool is configured, else ``None`` (the local stage)."""
        return cls(settings) if settings.verifies_tokens else None

    def verify(self, token: str) -> JwtClaims:
        """The claims of a valid token. Raises :class:`UnauthorizedError` naming the reason."""
        claims = self._decode(token)
        token_use = claims.get("token_use")
        client_claim = _CLIENT_CLAIM.get(token_use) if isinstance(token_use, str) else None
        if client_claim is None:
            raise UnauthorizedError("the token's token_use must be 'id' or 'access'")
        if claims.get(client_claim) != self._client_id:
            raise UnauthorizedError(
                f"the token was issued to another app client ({client_claim} does not match)")
        return claims_of(str(claims["sub"]), tenant=claims.get(self._settings.tenant_claim),
                         role=claims.get(self._settings.role_claim))

    def _decode(self, token: str) -> dict[str, Any]:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise UnauthorizedError("the token is malformed") from exc
        if header.get("alg") != _ALGORITHM:
            raise UnauthorizedError(f"the token must be signed with {_ALGORITHM}")
        key = self._signing_key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[_ALGORITHM], issuer=self.issuer,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
                leeway=_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as exc:
            raise UnauthorizedError("the token has expired") from exc
        except jwt.InvalidIssuerError as exc:
            raise UnauthorizedError("the token's issuer (iss) is not this user pool") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise UnauthorizedError(f"the token has no {exc.claim!r} claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise UnauthorizedError("the token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise UnauthorizedError("the token is not valid") from exc
        return claims

    def _signing_key(self, kid: object) -> Any:
        if not isinstance(kid, str) or not kid:
            raise UnauthorizedError("the token names no signing key (kid)")
        import jwt

        try:
            return self._jwks.get_signing_key(kid).key
        except jwt.PyJWKClientConnectionError as exc:
            # The pool's fault, not the caller's: a 401 would sign a valid admin out.
            raise UpstreamError("the user pool's signing keys could not be fetched") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKError) as exc:
            raise UnauthorizedError("the token's signing key (kid) is not the user pool's") from exc
