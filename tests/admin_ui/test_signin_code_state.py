"""The sign-in page's one-time links (``/?code=``), driven as Reflex drives them, against a
stub API over real HTTP: the code is exchanged (with no credential), the JWT stored, the
history entry replaced; a refused code leaves the admin on sign-in with the API's reason."""

from __future__ import annotations

from typing import Any

from admin_ui.auth import SIGNIN_LINK_FAILED, AuthState
from tests.admin_ui.conftest import run, substate
from tests.admin_ui.stub_api import StubApi
from tests.admin_ui.test_states import ME, PROBLEM, at, jwt, redirect_path

CODE = "obc_acme_" + "A" * 43


def replaces_history(spec: Any) -> bool:
    return any(str(name) == "replace" and str(value) == "true" for name, value in spec.args)


def test_a_code_link_is_exchanged_and_signs_in(stub_api: StubApi, state_tree: Any) -> None:
    token = jwt()
    stub_api.answer("POST", "/v1/auth/exchange", 200, {
        "token": token, "expiresAt": "2030-01-01T00:00:00Z", "clientId": "acme",
        "role": "admin"})
    at(state_tree, f"http://127.0.0.1:3000/?code={CODE}")
    auth = substate(state_tree, AuthState)
    spec = run(auth.on_signin_page())
    assert redirect_path(spec) == "/profiles"
    assert replaces_history(spec), "the code must not stay in the browser history"
    assert auth.token == token
    assert (auth.tenant, auth.role, auth.signin_error) == ("acme", "admin", "")
    [request] = stub_api.requests
    assert request["json"] == {"code": CODE}
    assert "Authorization" not in request["headers"], "the exchange carries no credential"
    # The same page load delivered again does not spend a second exchange.
    assert redirect_path(run(auth.on_signin_page())) == "/profiles"
    assert len(stub_api.requests) == 1


def test_a_used_code_stays_on_sign_in_with_the_reason(stub_api: StubApi,
                                                      state_tree: Any) -> None:
    stub_api.answer("POST", "/v1/auth/exchange", 401, {
        "title": "Unauthorized", "status": 401,
        "detail": "this sign-in link has already been used: ask for a new one"},
        content_type=PROBLEM)
    at(state_tree, f"http://127.0.0.1:3000/?code={CODE}")
    auth = substate(state_tree, AuthState)
    assert run(auth.on_signin_page()) is None
    assert auth.token == ""
    assert auth.signin_error.startswith(SIGNIN_LINK_FAILED)
    assert "already been used" in auth.signin_error
    assert not auth.signing_in


def test_an_unreachable_api_is_said_so(monkeypatch: Any, state_tree: Any) -> None:
    monkeypatch.setenv("OB_API_URL", "http://127.0.0.1:9")
    at(state_tree, f"http://127.0.0.1:3000/?code={CODE}")
    auth = substate(state_tree, AuthState)
    assert run(auth.on_signin_page()) is None
    assert "unreachable" in auth.signin_error.lower() or "127.0.0.1:9" in auth.signin_error
    assert auth.token == ""


def test_a_token_link_still_signs_in(stub_api: StubApi, state_tree: Any) -> None:
    stub_api.answer("GET", "/v1/me", 200, ME)
    token = jwt()
    at(state_tree, f"http://127.0.0.1:3000/?token={token}")
    auth = substate(state_tree, AuthState)
    assert redirect_path(run(auth.on_signin_page())) == "/profiles"
    assert auth.token == token
