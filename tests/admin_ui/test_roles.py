"""The dashboard follows the signed-in role: a viewer sees no control the API would refuse
it, and a refused list never reads as an empty one."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, shot
from tests.admin_ui.test_browser import sign_in, wait_at

pytestmark = pytest.mark.browser


def test_a_viewer_sees_only_what_it_can_use(page: Any, tuner: Tuner) -> None:
    sign_in(page, tuner, tuner.token("demo", role="viewer"))
    expect(page.locator("#nav-sessions")).to_be_visible()
    expect(page.locator("#nav-leads")).to_be_visible()
    expect(page.locator("#nav-keys")).to_have_count(0)
    expect(page.locator("#nav-events")).to_have_count(0)
    expect(page.locator("#create-profile")).to_have_count(0)
    shot(page, "20-viewer-profiles")

    # The default profile opens read-only: no save, no restore, no live chat.
    page.goto(f"{tuner.dashboard}/profile?name=default")
    wait_at(page, "profile", "name=default")
    expect(page.locator("#current-version")).to_be_visible()
    expect(page.locator("#not-allowed")).to_contain_text("cannot chat with the profile")
    expect(page.locator("#save-profile")).to_have_count(0)
    expect(page.locator("[id^=restore-]")).to_have_count(0)
    expect(page.locator("#chat-input")).to_have_count(0)

    # Typed by hand, the keys page says why instead of "No API keys yet." under a refusal.
    page.goto(f"{tuner.dashboard}/keys")
    expect(page.locator("#not-allowed")).to_contain_text("Your role (viewer) cannot manage API")
    expect(page.locator("#create-key")).to_have_count(0)
    expect(page.locator(".empty")).to_have_count(0)
    shot(page, "21-viewer-keys")


def test_an_admin_keeps_every_control(page: Any, tuner: Tuner) -> None:
    sign_in(page, tuner, tuner.token("demo"))
    expect(page.locator("#nav-keys")).to_be_visible()
    expect(page.locator("#nav-events")).to_be_visible()
    expect(page.locator("#create-profile")).to_be_visible()
    page.goto(f"{tuner.dashboard}/keys")
    expect(page.locator("#create-key")).to_be_visible()
    expect(page.locator("#not-allowed")).to_have_count(0)


def test_an_admin_duplicates_then_deletes_a_profile(page: Any, tuner: Tuner) -> None:
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/profile?name=default")
    wait_at(page, "profile", "name=default")
    expect(page.locator("#delete-profile")).to_have_count(0)  # chats start with default
    page.locator("#copy-name").fill("default-copy")
    page.locator("#duplicate-profile").click()
    wait_at(page, "profile", "name=default-copy")
    expect(page.locator("#current-version")).to_have_text("1")
    page.locator("#delete-profile").click()
    page.get_by_role("alertdialog").locator("#confirm-delete").click()
    wait_at(page, "profiles")
    expect(page.locator("#profiles-table")).not_to_contain_text("default-copy")
    expect(page.locator("#profiles-table")).to_contain_text("default")
