"""The dashboard in headless Chromium against ``ob-tuner`` (embedded API, temp SQLite store).

First the one-time sign-in link ``ob-tuner`` printed (used once; a second use is refused).
Then one admin's journey, in order: sign in, create a profile, edit and save it, restore a version,
chat in the live panel with the offline model (the lead appears), create a publishable key
(its secret shown once) and revoke it, find the session and its transcript, erase the lead.
Screenshots of every page go to ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, shot

pytestmark = pytest.mark.browser

PROFILE = "tuner-e2e"
EMAIL = "ann.example@example.com"


def sign_in(page: Any, tuner: Tuner, token: str) -> None:
    page.goto(f"{tuner.dashboard}/")
    page.locator("#token-input").fill(token)
    page.locator("#sign-in").click()
    wait_at(page, "profiles")
    expect(page.locator("#profiles-table")).to_be_visible()


def wait_at(page: Any, route: str, query: str = "") -> None:
    """Wait for ``/route`` (the static server may add a trailing slash on a reload)."""
    pattern = rf"/{route}/?" + (rf"\?{re.escape(query)}" if query else "$")
    page.wait_for_url(re.compile(pattern))


def field(page: Any, name: str) -> Any:
    return page.locator(f"#field-{name}")


def save_and_expect_version(page: Any, version: int) -> None:
    page.locator("#save-profile").click()
    expect(page.locator("#saved")).to_contain_text(f"Saved as version {version}.")
    expect(page.locator("#current-version")).to_have_text(str(version))


def test_sign_in_link_once_then_expired_token(page: Any, tuner: Tuner) -> None:
    """First in this file: ``ob-tuner``'s printed link holds a one-time code valid 10 minutes."""
    assert re.search(r"/\?code=obc_demo_[A-Za-z0-9_-]{43,}$", tuner.signin), tuner.signin
    page.goto(tuner.signin)
    wait_at(page, "profiles")
    expect(page.locator("#tenant-badge")).to_have_text("demo")
    assert "code=" not in page.url, "the code is dropped from the address bar"
    expired = tuner.token("demo", ttl=-60)
    page.evaluate("t => localStorage.setItem('ob_admin_token', t)", expired)
    page.goto(f"{tuner.dashboard}/profiles")
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("#signin-message")).to_contain_text("expired")
    shot(page, "12-expired")

    # The same link a second time: it stays on sign-in and says why.
    page.goto(tuner.signin)
    expect(page.locator("#signin-error")).to_contain_text("already been used")
    expect(page.locator("#token-input")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('ob_admin_token')") in (None, "")
    shot(page, "12b-link-used")


def test_admin_journey(page: Any, tuner: Tuner) -> None:
    token = tuner.token("demo")

    # Sign in by pasting a token; the session survives a reload.
    page.goto(f"{tuner.dashboard}/")
    expect(page.locator("#token-input")).to_be_visible()
    shot(page, "01-sign-in")
    sign_in(page, tuner, token)
    page.reload()
    expect(page.locator("#profiles-table")).to_be_visible()
    expect(page.locator("#tenant-badge")).to_have_text("demo")
    expect(page).to_have_url(re.compile(r"/profiles/?$"))
    shot(page, "02-profiles")

    # Create a profile.
    page.locator("#new-profile-name").fill(PROFILE)
    page.locator("#create-profile").click()
    wait_at(page, "profile", f"name={PROFILE}")
    expect(page.locator("#current-version")).to_have_text("1")
    expect(page.locator(".chat-assistant").first).to_contain_text("Hello! How can I help you?")

    # Edit and save: each save is a new version in the history.
    page.locator("#tool-capture_lead").click()
    page.locator("#tool-update_lead").click()
    field(page, "iceBreaker").fill("Hi! Tell me your name and e-mail.")
    save_and_expect_version(page, 2)
    field(page, "maxTokens").fill("512")
    save_and_expect_version(page, 3)
    expect(page.locator(".version-row")).to_have_count(3)
    expect(page.locator(".version-row").first).to_contain_text("Max tokens: 1024 → 512")

    # A failed save shows the API's message and keeps what was typed.
    field(page, "maxTokens").fill("999999")
    page.locator("#save-profile").click()
    expect(page.locator("#error")).to_be_visible()
    expect(field(page, "maxTokens")).to_have_value("999999")
    expect(page.locator("#current-version")).to_have_text("3")

    # Restore version 2: a new version 4 with version 2's settings.
    page.locator("#restore-2").click()
    page.get_by_role("alertdialog").locator(".confirm-restore").click()
    expect(page.locator("#saved")).to_contain_text("Restored version 2 as version 4.")
    expect(field(page, "maxTokens")).to_have_value("1024")
    expect(page.locator(".version-row")).to_have_count(4)
    # The memory policy is a choice: saved, and shown in the history like any setting.
    field(page, "memoryPolicy").select_option("summary")
    save_and_expect_version(page, 5)
    expect(page.locator(".version-row").first).to_contain_text("Memory policy: window → summary")

    # Chat in the live panel with the offline model: the lead appears, events are listed.
    expect(page.locator(".chat-assistant").first).to_contain_text("Tell me your name")
    page.locator("#chat-input").fill(f"Hi, I am Ann Example, my e-mail is {EMAIL}")
    page.locator("#chat-send").click()
    expect(page.locator("#chat-lead")).to_contain_text(EMAIL, timeout=30_000)
    expect(page.locator(".chat-assistant")).to_have_count(2)
    expect(page.locator("#chat-events")).to_contain_text("lead.created")
    # Enter sends too, like the button.
    page.locator("#chat-input").fill("Thanks!")
    page.locator("#chat-input").press("Enter")
    expect(page.locator(".chat-assistant")).to_have_count(3, timeout=30_000)
    shot(page, "03-profile-tuner")

    # A publishable key: its secret is shown once, then it is revoked.
    page.locator("#nav-keys").click()
    wait_at(page, "keys")
    page.locator("#key-name").fill("e2e widget")
    page.locator("#key-origins").fill("http://127.0.0.1:8000")
    page.locator("#key-profiles").fill(PROFILE)
    page.locator("#create-key").click()
    secret = page.locator("#new-secret")
    expect(secret).to_contain_text("ob_pk_")
    shown = secret.inner_text()
    # With the tag that puts the widget on the tenant's site (the key's profile in it).
    snippet = page.locator("#embed-snippet")
    expect(snippet).to_contain_text(f'data-key="{shown}"')
    expect(snippet).to_contain_text(f'data-profile="{PROFILE}"')
    expect(snippet).to_contain_text("/widget.js")
    row = page.locator(".key-row", has_text="e2e widget")
    expect(row).to_have_count(1)
    shot(page, "04-keys-secret-once")
    page.reload()
    expect(page.locator(".key-row", has_text="e2e widget")).to_have_count(1)
    expect(page.locator("#new-secret")).to_have_count(0)
    assert shown not in page.content()
    page.locator(".key-row", has_text="e2e widget").locator(".revoke-key").click()
    page.get_by_role("alertdialog").locator(".confirm-revoke").click()
    expect(page.locator(".key-row", has_text="e2e widget").locator(".key-revoked")).to_be_visible()
    shot(page, "05-keys-revoked")

    # The session and its transcript, with the tool call.
    page.locator("#nav-sessions").click()
    wait_at(page, "sessions")
    page.locator("#filter-profile").fill(PROFILE)
    page.locator("#filter-since").fill(datetime.now(UTC).date().isoformat())
    page.locator("#filter-sessions").click()
    links = page.locator("#sessions-table .session-link")
    expect(links.first).to_be_visible()
    shot(page, "06-sessions")
    # Newest first: the chat's session (restore reset the panel, so the last one is it).
    links.first.click()
    wait_at(page, "session", "id=")
    expect(page.locator("#transcript")).to_contain_text(EMAIL)
    expect(page.locator("#transcript")).to_contain_text("capture_lead")
    expect(page.locator("#transcript-events")).to_contain_text("lead.created")
    expect(page.locator("#transcript-memory")).to_contain_text("summary")  # its memory policy
    shot(page, "07-transcript")

    # Find the lead, then erase it (with confirmation).
    page.locator("#nav-leads").click()
    wait_at(page, "leads")
    page.locator("#lead-search").fill("ann.example")
    page.locator("#lead-search").press("Enter")  # Enter searches, like the button
    lead_link = page.locator("#leads-table .lead-link")
    expect(lead_link).to_have_count(1)
    shot(page, "08-leads")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    csv_path = download.value.path()
    assert EMAIL in csv_path.read_text()
    lead_link.click()
    wait_at(page, "lead", "id=")
    expect(page.locator("#lead-email")).to_have_value(EMAIL)
    shot(page, "09-lead")
    page.locator("#erase-lead").click()
    expect(page.locator("#erase-confirmation")).to_be_visible()
    page.locator("#confirm-erase").click()
    expect(page.locator("#erased")).to_be_visible()
    page.locator("#nav-leads").click()
    wait_at(page, "leads")
    page.locator("#lead-search").fill("ann.example")
    page.locator("#search-leads").click()
    expect(page.locator("#leads-table .lead-link")).to_have_count(0)

    # The remaining pages render with data.
    page.locator("#nav-events").click()
    wait_at(page, "events")
    expect(page.locator("#routes-table")).to_contain_text("log-all")
    expect(page.locator("#deliveries-table")).to_contain_text("lead.created")
    page.locator("#route-url").fill("http://127.0.0.1:9/e2e-hook")
    page.locator("#add-route").click()
    expect(page.locator("#route-secret")).to_contain_text("whsec_")
    first_secret = page.locator("#route-secret").inner_text()
    hook_row = page.locator("#routes-table tr", has_text="e2e-hook")
    expect(hook_row).to_have_count(1)
    hook_row.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("alertdialog").locator(".confirm-rotate").click()
    expect(page.locator("#route-secret")).not_to_have_text(first_secret)
    expect(page.locator("#route-secret")).to_contain_text("whsec_")
    shot(page, "10-events")
    # An added route can be deleted (after a confirmation); the spec's log-all cannot.
    expect(page.locator("#routes-table tr", has_text="log-all").locator(".delete-route")
           ).to_have_count(0)
    hook_row.locator(".delete-route").click()
    page.get_by_role("alertdialog").locator(".confirm-delete-route").click()
    expect(page.locator("#routes-table tr", has_text="e2e-hook")).to_have_count(0)
    page.locator("#nav-usage").click()
    wait_at(page, "usage")
    expect(page.locator("#usage-by-day")).to_be_visible()
    expect(page.locator("#usage-total")).to_contain_text("input and")
    expect(page.locator("#usage-by-day")).to_contain_text("Output tokens")
    shot(page, "11-usage")

    # Sign out: back to sign-in, and a reload stays signed out.
    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("#signin-message")).to_contain_text("signed out")
    page.goto(f"{tuner.dashboard}/profiles")
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))


def test_other_tenants_ids_are_not_found(page: Any, tuner: Tuner) -> None:
    acme = {"Authorization": f"Bearer {tuner.token('acme')}"}
    settings = {"model": "offline", "tools": ["capture_lead"]}
    put = httpx.put(f"{tuner.api}/v1/configs/acme-secret-plan", json=settings, headers=acme)
    assert put.status_code == 200, put.text
    started = httpx.post(f"{tuner.api}/v1/sessions", json={"profile": "acme-secret-plan"},
                         headers=acme)
    assert started.status_code in (200, 201), started.text
    acme_session = started.json()["sessionId"]

    sign_in(page, tuner, tuner.token("demo"))
    expect(page.locator("#profiles-table")).not_to_contain_text("acme-secret-plan")
    page.goto(f"{tuner.dashboard}/profile?name=acme-secret-plan")
    expect(page.locator("#not-found")).to_be_visible()
    shot(page, "13-other-tenant-profile")
    page.goto(f"{tuner.dashboard}/session?id={acme_session}")
    expect(page.locator("#not-found")).to_be_visible()
    page.goto(f"{tuner.dashboard}/sessions")
    expect(page.locator("#sessions-table")).not_to_contain_text(acme_session)
