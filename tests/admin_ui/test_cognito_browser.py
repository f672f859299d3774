"""Stage sign-in in headless Chromium: the dashboard sends the admin to the hosted UI of a
loopback OIDC issuer (Cognito's endpoints and claims), exchanges the code with PKCE, calls the
real API (embedded by ``ob-tuner``) with the ID token, refreshes it, and signs out through the
issuer's logout. No token reaches the browser's storage. Screenshots: ``test-artifacts/``."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, shot
from tests.admin_ui.test_browser import wait_at

pytestmark = pytest.mark.browser

DEMO_ADMIN = {"sub": "cognito-ann", "email": "ann@demo.example",
              "custom:clientId": "demo", "custom:role": "admin"}


def through_hosted_ui(page: Any, tuner: Tuner, user: dict[str, str]) -> None:
    tuner.issuer.user = user
    page.goto(f"{tuner.dashboard}/")
    page.locator("#cognito-sign-in").click()


def browser_storage(page: Any) -> str:
    return str(page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie])"))


def test_an_admin_signs_in_through_the_hosted_ui_and_out(page: Any, tuner: Tuner) -> None:
    issuer = tuner.issuer
    issuer.id_token_ttl = 45  # inside the dashboard's refresh margin: every call refreshes
    page.goto(f"{tuner.dashboard}/")
    expect(page.locator("#cognito-sign-in")).to_be_visible()
    expect(page.locator("#token-input")).to_be_visible()  # operators' tokens still work
    shot(page, "20-cognito-sign-in")
    exchanges = len(issuer.token_requests)

    through_hosted_ui(page, tuner, DEMO_ADMIN)
    wait_at(page, "profiles")
    expect(page.locator("#tenant-badge")).to_have_text("demo")
    expect(page.locator("#profiles-table")).to_contain_text("default")
    assert "code=" not in page.url
    assert "state=" not in page.url
    shot(page, "21-cognito-signed-in")
    grants = [r["grant_type"] for r in issuer.token_requests[exchanges:]]
    assert grants[0] == "authorization_code"
    assert "refresh_token" in grants, grants
    assert issuer.token_refusals == []
    assert "eyJ" not in browser_storage(page), "tokens stay on the dashboard's server"

    # Another page of the tenant, then a reload: the session is the server's, not the page's.
    page.goto(f"{tuner.dashboard}/keys")
    wait_at(page, "keys")
    expect(page.locator("#tenant-badge")).to_have_text("demo")
    page.reload()
    expect(page.locator("#tenant-badge")).to_have_text("demo")
    shot(page, "22-cognito-keys")

    refresh_tokens = {r.get("refresh_token") for r in issuer.token_requests[exchanges:]} - {None}
    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("#signin-message")).to_contain_text("signed out")
    assert issuer.logouts[-1]["logout_uri"] == issuer.redirect_uris[0]
    assert issuer.revoked
    assert set(issuer.revoked) <= refresh_tokens
    page.goto(f"{tuner.dashboard}/profiles")
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    shot(page, "23-cognito-signed-out")
    issuer.id_token_ttl = 3600


def test_an_admin_of_another_tenant_sees_only_that_tenant(page: Any, tuner: Tuner) -> None:
    demo = {"Authorization": f"Bearer {tuner.token('demo')}"}
    put = httpx.put(f"{tuner.api}/v1/configs/demo-only-plan", headers=demo,
                    json={"model": "offline"})
    assert put.status_code == 200, put.text
    through_hosted_ui(page, tuner, {**DEMO_ADMIN, "sub": "cognito-bo",
                                    "custom:clientId": "acme"})
    wait_at(page, "profiles")
    expect(page.locator("#tenant-badge")).to_have_text("acme")
    expect(page.locator("#profiles-table")).to_contain_text("default")
    expect(page.locator("#profiles-table")).not_to_contain_text("demo-only-plan")
    page.goto(f"{tuner.dashboard}/profile?name=demo-only-plan")
    expect(page.locator("#not-found")).to_be_visible()
    page.goto(f"{tuner.dashboard}/sessions")
    expect(page.locator("#tenant-badge")).to_have_text("acme")
    shot(page, "24-cognito-other-tenant")


def test_a_user_of_no_tenant_stays_on_sign_in_with_the_apis_reason(page: Any,
                                                                   tuner: Tuner) -> None:
    through_hosted_ui(page, tuner, {**DEMO_ADMIN, "sub": "cognito-cy",
                                    "custom:clientId": "no-such-tenant"})
    expect(page.locator("#signin-error")).to_contain_text("tenant does not exist")
    expect(page.locator("#cognito-sign-in")).to_be_visible()
    shot(page, "25-cognito-unknown-tenant")
