"""Sign-in state: the admin's credential, and the API client.

Locally the credential is a JWT (pasted, or from a one-time sign-in link) kept in the browser's
LocalStorage. On a stage with a Cognito user pool, admins sign in through its hosted UI
(authorization code + PKCE, :mod:`admin_ui.cognito`); those tokens stay in backend-only vars,
on the server, and the ID token is refreshed before the call that would carry it too late.

Every page state derives from :class:`AuthState`, so each call goes out with the admin's own
credential and a 401 (an expired or revoked token) sends the admin back to sign-in.

State vars are declared as ``rx.Field``s, so pages see them as typed Vars. Dict vars stay
plain annotations: mypy resolves ``rx.Field[dict[...]]`` to Reflex's list overload.
"""

from __future__ import annotations

import os
import secrets
from types import TracebackType
from typing import Any

import reflex as rx

from admin_ui import cognito
from admin_ui.cognito import SignInError, SignInRequest, Tokens
from admin_ui.helpers import token_claims, token_expired
from openbrain.client import AsyncClient, api
from openbrain.domain.errors import OpenBrainError, UnauthorizedError
from openbrain.settings import CognitoSettings

EXPIRED_MESSAGE = "Your session has expired. Sign in again."
SIGNIN_LINK_FAILED = "Sign-in link refused"
SIGNIN_FAILED = "Sign-in failed"
HOME = "/profiles"


def api_url() -> str:
    """The API the dashboard talks to (``ob-tuner`` sets ``OB_API_URL``)."""
    return os.environ.get("OB_API_URL", "http://127.0.0.1:8000").rstrip("/")


def cognito_settings() -> CognitoSettings:
    """The stage's user pool (``OB_COGNITO_*``, set by deploy/admin.py); unset locally."""
    return CognitoSettings.from_env()


class SignedInClient:
    """``async with state.api() as client``: a client with the admin's credential, a Cognito
    ID token refreshed first when it is about to expire."""

    def __init__(self, state: AuthState) -> None:
        self._state = state
        self._client: AsyncClient | None = None

    async def __aenter__(self) -> AsyncClient:
        self._client = AsyncClient(api_url(), await self._state._bearer())
        return self._client

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.aclose()


class AuthState(rx.State):
    """The signed-in admin. A local token survives a reload; no token is ever logged."""

    token: str = rx.LocalStorage("", name="ob_admin_token", sync=True)
    token_input: rx.Field[str] = rx.field("")
    signin_message: rx.Field[str] = rx.field("")
    signin_error: rx.Field[str] = rx.field("")
    signing_in: rx.Field[bool] = rx.field(False)
    tenant: rx.Field[str] = rx.field("")
    role: rx.Field[str] = rx.field("")
    hosted_ui: rx.Field[bool] = rx.field(False)
    """Whether this dashboard offers Cognito's hosted UI (a stage with a user pool)."""
    via_cognito: rx.Field[bool] = rx.field(False)
    _redeemed_code: str = ""  # backend only: the code this tab already exchanged
    # Backend only, so never sent to the browser: the hosted UI trip under way, and its tokens.
    _signin_request: SignInRequest | None = None
    _tokens: Tokens | None = None

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.token) or self.via_cognito

    def api(self) -> SignedInClient:
        """A client with the admin's credential, for one handler (``async with``)."""
        return SignedInClient(self)

    async def _bearer(self) -> str:
        """The credential for the next call: the local token, or a fresh Cognito ID token.

        Raises:
            UnauthorizedError: the Cognito session cannot be refreshed (the handler's
                ``_failed`` then sends the admin to sign in again).
        """
        tokens = self._tokens
        if tokens is None:
            return self.token
        if tokens.due():
            try:
                tokens = await cognito.refresh(cognito_settings(), tokens)
            except SignInError as exc:
                raise UnauthorizedError(str(exc)) from exc
            self._tokens = tokens
        return tokens.id_token

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
        self._forget()
        self.signin_message = message
        return rx.redirect("/")

    def _forget(self) -> None:
        self.token = ""
        self._tokens = None
        self.via_cognito = False
        self.tenant = ""
        self.role = ""

    def _failed(self, exc: OpenBrainError) -> tuple[str, Any]:
        """The message to show for a failed call, and a redirect when the token is no good."""
        if isinstance(exc, UnauthorizedError):
            return exc.detail, self._expire(f"{EXPIRED_MESSAGE} ({exc.detail})")
        return exc.detail, None

    def _guard(self) -> Any:
        """Run first by every page's loader: no token or an expired one → sign-in."""
        if self._tokens is not None:
            return None  # a Cognito session: refreshed before each call (``api()``)
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
        """Signed in with a local ``token``, or (``""``) with the Cognito tokens just kept."""
        self.token = token
        self.via_cognito = self._tokens is not None
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
        self._tokens = None  # one credential at a time
        return await self._sign_in_with(self.token_input)

    def sign_in_with_cognito(self) -> Any:
        """Off to the hosted UI; it comes back to ``/?code=…&state=…``."""
        settings = cognito_settings()
        if not settings.hosted_ui:
            self.signin_error = f"{SIGNIN_FAILED}: Cognito sign-in is not configured"
            return None
        request = SignInRequest.new()
        self._signin_request = request
        self.signin_error = ""
        return rx.redirect(cognito.authorize_url(settings, request))

    async def _cognito_callback(self, query: dict[str, str]) -> Any:
        """The hosted UI's answer: the state must be this tab's, the code is exchanged (with
        the PKCE verifier) and the ID token's nonce checked, then the API names the tenant."""
        code = query.get("code", "")
        if code and code == self._redeemed_code and self._tokens is not None:
            return rx.redirect(HOME, replace=True)  # the same page load delivered twice
        request, self._signin_request = self._signin_request, None  # one answer per trip
        if request is None or not secrets.compare_digest(query.get("state", ""), request.state):
            self.signin_error = (f"{SIGNIN_FAILED}: the answer does not belong to a sign-in "
                                 "started in this tab (state); start again")
            return None
        if error := query.get("error"):
            self.signin_error = f"{SIGNIN_FAILED}: {error}"
            return None
        settings = cognito_settings()
        self.signing_in = True
        try:
            tokens = await cognito.exchange_code(settings, code, request)
            async with AsyncClient(api_url(), tokens.id_token) as client:
                me = await client.send(api.me())
        except SignInError as exc:
            self.signin_error = f"{SIGNIN_FAILED}: {exc}"
            return None
        except OpenBrainError as exc:
            self.signin_error = f"{SIGNIN_FAILED}: {exc.detail}"
            return None
        finally:
            self.signing_in = False
        self._tokens = tokens
        self._redeemed_code = code
        return self._signed_in("", me.client_id or "", me.role)

    async def on_signin_page(self) -> Any:
        """A one-time sign-in link (``/?code=...``) is exchanged for a token at once; a pasted
        token in a link (``/?token=...``) signs in too; a stored token skips the page."""
        self.hosted_ui = cognito_settings().hosted_ui
        query = self.router.url.query_parameters
        link_code = query.get("code", "")
        if self.hosted_ui and "state" in query:
            return await self._cognito_callback(dict(query))
        if self._tokens is not None:
            return rx.redirect(HOME)
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

    async def sign_out(self) -> Any:
        """Forget the credential; a Cognito session is revoked and the hosted UI's own
        session ended too (its logout comes back to the sign-in page)."""
        tokens = self._tokens
        self._forget()
        self.signin_message = "You are signed out."
        if tokens is None:
            return rx.redirect("/")
        settings = cognito_settings()
        await cognito.revoke(settings, tokens)
        return rx.redirect(cognito.logout_url(settings))
