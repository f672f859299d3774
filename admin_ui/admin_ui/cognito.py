"""The dashboard's side of Cognito's hosted UI: authorization code + PKCE, refresh, sign-out.

No Reflex here. :class:`~admin_ui.auth.AuthState` keeps the pending request (state, nonce, PKCE
verifier) and the tokens in backend-only vars, so they stay on the server and never reach the
browser's storage; these functions build the hosted UI's URLs and talk to its token endpoint.
The ID token comes straight from the token endpoint over TLS, so its claims are checked here
(``iss``, ``aud``, ``nonce``, ``exp``) and its signature by the API on every call.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import msgspec

from admin_ui.helpers import token_claims
from openbrain.settings import CognitoSettings

REFRESH_MARGIN_SECONDS = 60
"""Refresh an ID token this long before it expires, so no call carries one about to lapse."""
_TIMEOUT_SECONDS = 10.0


class SignInError(Exception):
    """The hosted UI's answer cannot sign the admin in; the message says why (no secrets)."""


class SignInRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One trip to the hosted UI: what the callback must echo (``state``), what the ID token
    must carry (``nonce``) and what proves the code is ours (``verifier``, PKCE)."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> SignInRequest:
        return cls(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                   verifier=secrets.token_urlsafe(64))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Tokens(msgspec.Struct, frozen=True, kw_only=True):
    id_token: str
    refresh_token: str
    expires_at: float
    """The ID token's ``exp``."""

    def due(self, now: float | None = None) -> bool:
        """Whether to refresh before the next call."""
        return (time.time() if now is None else now) >= self.expires_at - REFRESH_MARGIN_SECONDS


def _base(settings: CognitoSettings) -> str:
    if not settings.hosted_ui or settings.domain is None:
        raise SignInError("Cognito sign-in is not configured for this dashboard")
    return settings.domain.rstrip("/")


def authorize_url(settings: CognitoSettings, request: SignInRequest) -> str:
    """Where to send the browser: the hosted UI's sign-in, asking for a code."""
    query = {
        "response_type": "code",
        "client_id": settings.client_id or "",
        "redirect_uri": settings.redirect_uri or "",
        "scope": settings.scopes,
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": request.challenge,
        "code_challenge_method": "S256",
    }
    return f"{_base(settings)}/oauth2/authorize?{urlencode(query)}"


def logout_url(settings: CognitoSettings) -> str:
    """The hosted UI's sign-out, which ends its own session and comes back to the dashboard."""
    query = {"client_id": settings.client_id or "", "logout_uri": settings.redirect_uri or ""}
    return f"{_base(settings)}/logout?{urlencode(query)}"


async def _post(settings: CognitoSettings, path: str, form: dict[str, str]) -> httpx.Response:
    url = f"{_base(settings)}{path}"
    try:
        async with httpx.AsyncClient(timeout=_TIMEOUT_SECONDS) as http:
            return await http.post(url, data=form)
    except httpx.HTTPError as exc:
        raise SignInError(f"the sign-in service is unreachable ({type(exc).__name__})") from exc


def _error_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    return str(error) if error else f"HTTP {response.status_code}"


async def exchange_code(settings: CognitoSettings, code: str,
                        request: SignInRequest) -> Tokens:
    """The tokens for the callback's ``code``, proven with the request's PKCE verifier."""
    response = await _post(settings, "/oauth2/token", {
        "grant_type": "authorization_code",
        "client_id": settings.client_id or "",
        "code": code,
        "redirect_uri": settings.redirect_uri or "",
        "code_verifier": request.verifier,
    })
    if response.status_code != 200:
        raise SignInError(f"the sign-in service refused the code ({_error_of(response)})")
    body = _json(response)
    refresh_token = body.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise SignInError("the sign-in service sent no refresh token")
    return _checked(settings, body, refresh_token, nonce=request.nonce)


async def refresh(settings: CognitoSettings, tokens: Tokens) -> Tokens:
    """A new ID token for the session (Cognito keeps the refresh token)."""
    response = await _post(settings, "/oauth2/token", {
        "grant_type": "refresh_token",
        "client_id": settings.client_id or "",
        "refresh_token": tokens.refresh_token,
    })
    if response.status_code != 200:
        raise SignInError(f"the sign-in session has ended ({_error_of(response)})")
    body = _json(response)
    kept = body.get("refresh_token")
    return _checked(settings, body, kept if isinstance(kept, str) and kept
                    else tokens.refresh_token, nonce=None)


async def revoke(settings: CognitoSettings, tokens: Tokens) -> None:
    """Revoke the refresh token (and the tokens it issued); a failure leaves them to expire."""
    try:
        await _post(settings, "/oauth2/revoke", {
            "token": tokens.refresh_token, "client_id": settings.client_id or ""})
    except SignInError:
        return


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise SignInError("the sign-in service answered with no JSON") from exc
    if not isinstance(body, dict):
        raise SignInError("the sign-in service answered with no JSON object")
    return body


def _checked(settings: CognitoSettings, body: dict[str, Any], refresh_token: str, *,
             nonce: str | None) -> Tokens:
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise SignInError("the sign-in service sent no ID token")
    claims = token_claims(id_token)
    checks = (
        ("iss", claims.get("iss") == settings.issuer),
        ("aud", claims.get("aud") == settings.client_id),
        ("token_use", claims.get("token_use") == "id"),
        ("nonce", nonce is None or claims.get("nonce") == nonce),
        ("exp", isinstance(claims.get("exp"), int | float) and claims["exp"] > time.time()),
    )
    failed = [name for name, ok in checks if not ok]
    if failed:
        raise SignInError(f"the ID token does not match this sign-in ({', '.join(failed)})")
    return Tokens(id_token=id_token, refresh_token=refresh_token,
                  expires_at=float(claims["exp"]))
