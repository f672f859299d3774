"""Sign-in state: the admin's token (kept in the browser's LocalStorage), and the API client.

Every page state derives from :class:`AuthState`, so each call goes out with the admin's own
credential and a 401 (an expired or revoked token) sends the admin back to sign-in.

State vars are declared as ``rx.Field``s, so pages see them as typed Vars. Dict vars stay
plain annotations: mypy resolves ``rx.Field[dict[...]]`` to Reflex's list overload.
"""

from __future__ import annotations

import os
from typing import Any

import reflex as rx

from admin_ui.helpers import token_claims, token_expired
from openbrain.client import AsyncClient, api
from openbrain.domain.errors import OpenBrainError, UnauthorizedError

EXPIRED_MESSAGE = "Your session has expired. Sign in again."
SIGNIN_LINK_FAILED = "Sign-in link refused"
HOME = "/profiles"


def api_url() -> str:
    """The API the dashboard talks to (``ob-tuner`` sets ``OB_API_URL``)."""
    return os.environ.get("OB_API_URL", "http://127.0.0.1:8000").rstrip("/")


class AuthState(rx.State):
    """The signed-in admin. The token survives a reload; it is never logged."""

    token: str = rx.LocalStorage("", name="ob_admin_token", sync=True)
    token_input: rx.Field[str] = rx.field("")
    signin_message: rx.Field[str] = rx.field("")
    signin_error: rx.Field[str] = rx.field("")
    signing_in: rx.Field[bool] = rx.field(False)
    tenant: rx.Field[str] = rx.field("")
    role: rx.Field[str] = rx.field("")
    _redeemed_code: str = ""  # backend only: the code this tab already exchanged

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.token)

    def api(self) -> AsyncClient:
        """A client with the admin's token, for one handler (``async with``)."""
        return AsyncClient(api_url(), self.token)

    def set_token_input(self, value: str) -> None:
        self.token_input = value

    def _identity_from_claims(self) -> None:
        # For display after a reload (sign-in itself asks the API's /v1/me).
        claims = token_claims(self.token)
        tenant_claim = os.environ.get("OB_JWT_TENANT_CLAIM", "custom:clientId")
        role_claim = os.environ.get("OB_JWT_ROLE_CLAIM", "custom:role")
        self.tenant = str(claims.get(tenant_claim) or self.tenant)
        self.role = str(claims.get(role_claim) or self.role)

    def _expire(self, message: str = EXPIRED_MESSAGE) -> Any:
        self.token = ""
        self.tenant = ""
        self.role = ""
        self.signin_message = message
        return rx.redirect("/")

    def _failed(self, exc: OpenBrainError) -> tuple[str, Any]:
        """The message to show for a failed call, and a redirect when the token is no good."""
        if isinstance(exc, UnauthorizedError):
            return exc.detail, self._expire(f"{EXPIRED_MESSAGE} ({exc.detail})")
        return exc.detail, None

    def _guard(self) -> Any:
        """Run first by every page's loader: no token or an expired one → sign-in."""
        if not self.token:
            return rx.redirect("/")
        if token_expired(self.token):
            return self._expire()
        self._identity_from_claims()
        return None

    async def _sign_in_with(self, token: str) -> Any:
        token = token.strip()
        if not token:
            self.signin_error = "Paste a token to sign in."
            return None
        if token_expired(token):
            self.signin_error = "That token has expired."
            return None
        self.signing_in = True
        try:
            async with AsyncClient(api_url(), token) as client:
                me = await client.send(api.me())
        except OpenBrainError as exc:
            self.signin_error = exc.detail
            return None
        finally:
            self.signing_in = False
        return self._signed_in(token, me.client_id or "", me.role)

    def _signed_in(self, token: str, tenant: str, role: str) -> Any:
        self.token = token
        self.token_input = ""
        self.signin_error = ""
        self.signin_message = ""
        self.tenant = tenant
        self.role = role
        # Replace the history entry: a sign-in link's code or token must not stay in history.
        return rx.redirect(HOME, replace=True)

    async def _sign_in_with_code(self, code: str) -> Any:
        """Redeem a one-time code (``/?code=``) with the API for a JWT. A used, expired or
        unknown code leaves the admin on the sign-in page with the API's reason."""
        if code == self._redeemed_code and self.token and not token_expired(self.token):
            return rx.redirect(HOME, replace=True)  # the same page load delivered twice
        self.signing_in = True
        try:
            async with AsyncClient(api_url()) as client:
                exchanged = await client.send(api.exchange_code(code.strip()))
        except OpenBrainError as exc:
            self.signin_message = ""
            self.signin_error = f"{SIGNIN_LINK_FAILED}: {exc.detail}"
            return None
        finally:
            self.signing_in = False
        if not exchanged.token:
            self.signin_error = f"{SIGNIN_LINK_FAILED}: the API answered without a token"
            return None
        self._redeemed_code = code
        return self._signed_in(exchanged.token, exchanged.client_id, exchanged.role)

    async def sign_in(self) -> Any:
        return await self._sign_in_with(self.token_input)

    async def on_signin_page(self) -> Any:
        """A one-time sign-in link (``/?code=...``) is exchanged for a token at once; a pasted
        token in a link (``/?token=...``) signs in too; a stored token skips the page."""
        query = self.router.url.query_parameters
        link_code = query.get("code", "")
        if link_code:
            return await self._sign_in_with_code(link_code)
        link_token = query.get("token", "")
        if link_token:
            return await self._sign_in_with(link_token)
        if self.token and not token_expired(self.token):
            return rx.redirect(HOME)
        if self.token:
            self._expire()
        return None

    def sign_out(self) -> Any:
        self.token = ""
        self.tenant = ""
        self.role = ""
        self.signin_message = "You are signed out."
        return rx.redirect("/")
