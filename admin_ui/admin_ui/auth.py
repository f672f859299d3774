"""Sign-in state: the admin's token (kept in the browser's LocalStorage), and the API client.

Every page state derives from :class:`AuthState`, so each call goes out with the admin's own
credential and a 401 (an expired or revoked token) sends the admin back to sign-in.
"""

from __future__ import annotations

import os
from typing import Any

import reflex as rx

from admin_ui.api_client import ApiClient, ApiError
from admin_ui.helpers import token_claims, token_expired

EXPIRED_MESSAGE = "Your session has expired. Sign in again."
HOME = "/profiles"


def api_url() -> str:
    """The API the dashboard talks to (``ob-tuner`` sets ``OB_API_URL``)."""
    return os.environ.get("OB_API_URL", "http://127.0.0.1:8000").rstrip("/")


class AuthState(rx.State):
    """The signed-in admin. The token survives a reload; it is never logged."""

    token: str = rx.LocalStorage("", name="ob_admin_token", sync=True)
    token_input: str = ""
    signin_message: str = ""
    signin_error: str = ""
    signing_in: bool = False
    tenant: str = ""
    role: str = ""

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.token)

    def api(self) -> ApiClient:
        return ApiClient(api_url(), self.token)

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

    def _failed(self, exc: ApiError) -> tuple[str, Any]:
        """The message to show for a failed call, and a redirect when the token is no good."""
        if exc.unauthorized:
            return exc.message, self._expire(f"{EXPIRED_MESSAGE} ({exc.message})")
        return exc.message, None

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
            me = await ApiClient(api_url(), token).me()
        except ApiError as exc:
            self.signin_error = exc.message
            return None
        finally:
            self.signing_in = False
        self.token = token
        self.token_input = ""
        self.signin_error = ""
        self.signin_message = ""
        self.tenant = str(me.get("clientId") or "")
        self.role = str(me.get("role") or "")
        # Replace the history entry: a sign-in link's token should not stay in the history.
        return rx.redirect(HOME, replace=True)

    async def sign_in(self) -> Any:
        return await self._sign_in_with(self.token_input)

    async def on_signin_page(self) -> Any:
        """A one-time sign-in link (``/?token=...``) signs in at once; a stored token skips
        the sign-in page."""
        link_token = self.router.url.query_parameters.get("token", "")
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
