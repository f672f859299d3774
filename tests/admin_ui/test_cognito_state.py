"""Cognito sign-in in the dashboard's state, driven as Reflex drives it, against the loopback
OIDC issuer and a stub API over real HTTP: code + PKCE, state and nonce checked, tokens kept
server-side, refreshed before a call, revoked and the hosted UI signed out of."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest

from admin_ui.auth import SIGNIN_FAILED, AuthState
from admin_ui.keys import KeysState
from tests.admin_ui.conftest import run, substate
from tests.admin_ui.stub_api import StubApi
from tests.admin_ui.test_states import ME, at, redirect_path
from tests.oidc_issuer import CLIENT_ID, OidcIssuer, serve_issuer

DASHBOARD = "http://127.0.0.1:3000/"


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch, stub_api: StubApi) -> Iterator[OidcIssuer]:
    with serve_issuer(OidcIssuer(redirect_uris=[DASHBOARD])) as issuer:
        for name, value in {"OB_COGNITO_CLIENT_ID": CLIENT_ID, "OB_COGNITO_ISSUER": issuer.url,
                            "OB_COGNITO_DOMAIN": issuer.url,
                            "OB_COGNITO_REDIRECT_URI": DASHBOARD}.items():
            monkeypatch.setenv(name, value)
        stub_api.answer("GET", "/v1/me", 200, ME)
        yield issuer


def to_hosted_ui(state_tree: Any) -> tuple[AuthState, str]:
    """The sign-in page, its button, and the hosted UI's redirect back: the callback URL."""
    at(state_tree, DASHBOARD)
    auth = substate(state_tree, AuthState)
    assert run(auth.on_signin_page()) is None
    assert auth.hosted_ui
    authorize = redirect_path(auth.sign_in_with_cognito())
    assert authorize is not None
    answer = httpx.get(authorize, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return auth, answer.headers["location"]


def signed_in(state_tree: Any) -> AuthState:
    auth, callback = to_hosted_ui(state_tree)
    at(state_tree, callback)
    assert redirect_path(run(auth.on_signin_page())) == "/profiles", auth.signin_error
    return auth


def test_code_and_pkce_sign_in_keeps_the_tokens_on_the_server(
        issuer: OidcIssuer, stub_api: StubApi, state_tree: Any) -> None:
    auth = signed_in(state_tree)
    [asked] = issuer.authorize_requests
    assert (asked["response_type"], asked["code_challenge_method"]) == ("code", "S256")
    assert asked["scope"] == "openid email profile"
    assert asked["redirect_uri"] == DASHBOARD
    [exchange] = issuer.token_requests
    verifier = exchange["code_verifier"].encode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
    assert challenge.decode() == asked["code_challenge"]
    assert issuer.token_refusals == []
    # The ID token is held server-side only: nothing goes to the browser's LocalStorage.
    assert auth.token == ""
    assert auth.via_cognito
    assert auth.signed_in
    assert auth._tokens is not None
    assert (auth.tenant, auth.role) == ("acme", "admin")
    [me] = stub_api.requests
    assert me["headers"]["Authorization"] == f"Bearer {auth._tokens.id_token}"
    # The same page load delivered again spends no second exchange.
    assert redirect_path(run(auth.on_signin_page())) == "/profiles"
    assert len(issuer.token_requests) == 1


def test_an_answer_with_another_state_is_refused_before_any_exchange(
        issuer: OidcIssuer, state_tree: Any) -> None:
    auth, callback = to_hosted_ui(state_tree)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    at(state_tree, f"{DASHBOARD}?code={code}&state=forged")
    assert run(auth.on_signin_page()) is None
    assert auth.signin_error.startswith(SIGNIN_FAILED)
    assert "(state)" in auth.signin_error
    assert issuer.token_requests == []
    assert auth._tokens is None
    # The trip is spent: replaying the genuine answer afterwards is refused too.
    at(state_tree, callback)
    assert run(auth.on_signin_page()) is None
    assert issuer.token_requests == []


def test_an_id_token_with_another_nonce_is_refused(issuer: OidcIssuer, state_tree: Any) -> None:
    auth, callback = to_hosted_ui(state_tree)
    assert auth._signin_request is not None
    auth._signin_request = msgspec.structs.replace(auth._signin_request, nonce="other")
    at(state_tree, callback)
    assert run(auth.on_signin_page()) is None
    assert "(nonce)" in auth.signin_error
    assert auth._tokens is None


def test_a_refused_code_says_why(issuer: OidcIssuer, state_tree: Any) -> None:
    auth, callback = to_hosted_ui(state_tree)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    issuer._codes.pop(code)  # expired or already used at the hosted UI
    at(state_tree, callback)
    assert run(auth.on_signin_page()) is None
    assert "refused the code (invalid_grant)" in auth.signin_error
    assert not auth.signing_in


def test_an_id_token_about_to_expire_is_refreshed_before_the_call(
        issuer: OidcIssuer, stub_api: StubApi, state_tree: Any) -> None:
    issuer.id_token_ttl = 45  # inside the refresh margin from the start
    auth = signed_in(state_tree)
    assert auth._tokens is not None
    first = auth._tokens.id_token
    stub_api.answer("GET", "/v1/keys", 200, {"items": [], "nextCursor": None})
    keys = substate(state_tree, KeysState)
    run(keys.load())
    assert [r["grant_type"] for r in issuer.token_requests] == [
        "authorization_code", "refresh_token"]
    assert auth._tokens.id_token != first
    assert stub_api.requests[-1]["headers"]["Authorization"] == f"Bearer {auth._tokens.id_token}"


def test_a_session_that_cannot_refresh_goes_back_to_sign_in(
        issuer: OidcIssuer, state_tree: Any) -> None:
    issuer.id_token_ttl = 45
    auth = signed_in(state_tree)
    issuer._refresh.clear()  # revoked, or past its 30 days
    keys = substate(state_tree, KeysState)
    assert redirect_path(run(keys.load())) == "/"
    assert "sign-in session has ended" in auth.signin_message
    assert auth._tokens is None
    assert not auth.signed_in


def test_sign_out_revokes_and_ends_the_hosted_ui_session(
        issuer: OidcIssuer, state_tree: Any) -> None:
    auth = signed_in(state_tree)
    assert auth._tokens is not None
    refresh_token = auth._tokens.refresh_token
    logout = redirect_path(run(auth.sign_out()))
    assert logout is not None
    assert logout.startswith(f"{issuer.url}/logout?")
    assert parse_qs(urlsplit(logout).query) == {"client_id": [CLIENT_ID],
                                                "logout_uri": [DASHBOARD]}
    assert issuer.revoked == [refresh_token]
    assert auth._tokens is None
    assert not auth.signed_in
