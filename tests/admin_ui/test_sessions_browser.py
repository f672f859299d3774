"""The sessions list in Chromium: channel, lead name and first message on each row, search
(Enter submits), the channel filter, pages of 25, and links from a session to its lead and
from a lead to its sessions. Sessions are seeded through the API in the ``acme`` tenant with
a profile of their own; screenshots go to ``test-artifacts/dashboard/``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, shot
from tests.admin_ui.test_browser import sign_in, wait_at

pytestmark = pytest.mark.browser

PROFILE = "sessions-e2e"
FILLERS = 25  # one more page's worth, older than the sessions the test looks for


def _seed(tuner: Tuner) -> dict[str, str]:
    """25 older sessions, then a CLI one and an API one with a lead, all in ``PROFILE``."""
    headers = {"Authorization": f"Bearer {tuner.token('acme')}"}
    settings = {"model": "offline", "tools": ["capture_lead"]}
    r = httpx.put(f"{tuner.api}/v1/configs/{PROFILE}", json=settings, headers=headers)
    assert r.status_code == 200, r.text

    def chat(message: str, channel: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, "agentConfig": PROFILE, "reset": True}
        if channel:
            body["channel"] = channel
        r = httpx.post(f"{tuner.api}/v1/chat", json=body, headers=headers, timeout=30)
        assert r.status_code == 200, r.text
        return dict(r.json())

    for n in range(FILLERS):
        chat(f"Filler question number {n}")
    cli = chat("Do you deliver on Sundays?", "cli")
    api = chat("Hi, I am Zed Quinn, zed.quinn@example.com")
    assert api["lead"], api
    return {"cli": cli["sessionId"], "api": api["sessionId"], "lead": api["lead"]["leadId"]}


def test_sessions_list_search_paging_and_links(page: Any, tuner: Tuner) -> None:
    seeded = _seed(tuner)
    sign_in(page, tuner, tuner.token("acme"))
    page.locator("#nav-sessions").click()
    wait_at(page, "sessions")
    page.locator("#filter-profile").fill(PROFILE)
    page.locator("#filter-profile").press("Enter")
    rows = page.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(25)
    newest = rows.first
    expect(newest).to_contain_text("api")
    expect(newest.locator(".lead-link")).to_have_text("Zed Quinn")
    expect(newest).to_contain_text("Hi, I am Zed Quinn")
    second = rows.nth(1)
    expect(second.locator(".channel")).to_have_text("cli")
    expect(second).to_contain_text("Do you deliver on Sundays?")
    expect(second.locator(".lead-link")).to_have_count(0)
    expect(page.locator("#newer-sessions")).to_be_disabled()
    shot(page, "20-sessions-list")

    # Pages: the 27th session is on the second page, and back.
    page.locator("#older-sessions").click()
    expect(page.locator("#sessions-page")).to_have_text("Page 2")
    expect(rows).to_have_count(2)
    expect(page.locator("#sessions-table")).to_contain_text("Filler question number 0")
    expect(page.locator("#older-sessions")).to_be_disabled()
    shot(page, "21-sessions-page-2")
    page.locator("#newer-sessions").click()
    expect(page.locator("#sessions-page")).to_have_text("Page 1")
    expect(rows).to_have_count(25)

    # Search: Enter submits; the lead's name, or words of the first message, find a session.
    page.locator("#session-search").fill("sundays")
    page.locator("#session-search").press("Enter")
    expect(rows).to_have_count(1)
    expect(page.locator("#sessions-table")).to_contain_text(seeded["cli"])
    page.locator("#session-search").fill("zed quinn")
    page.locator("#session-search").press("Enter")
    expect(rows).to_have_count(1)
    expect(page.locator("#sessions-table")).to_contain_text(seeded["api"])
    shot(page, "22-sessions-search")

    # The channel filter applies on choice.
    page.locator("#session-search").fill("")
    page.locator("#session-search").press("Enter")
    expect(rows).to_have_count(25)
    page.locator("#filter-channel").click()
    page.get_by_role("option", name="cli", exact=True).click()
    expect(rows).to_have_count(1)
    expect(page.locator("#sessions-table")).to_contain_text(seeded["cli"])
    page.locator("#filter-channel").click()
    page.get_by_role("option", name="tuner", exact=True).click()
    expect(rows).to_have_count(0)
    expect(page.locator(".empty")).to_have_text("No sessions match.")

    # From the session to its lead, and from the lead to its sessions.
    page.goto(f"{tuner.dashboard}/session?id={seeded['api']}")
    expect(page.locator("#transcript-channel")).to_have_text("api")
    expect(page.locator("#transcript-lead")).to_have_text("Zed Quinn")
    shot(page, "23-transcript-lead-link")
    page.locator("#transcript-lead").click()
    wait_at(page, "lead", f"id={seeded['lead']}")
    expect(page.locator("#lead-email")).to_have_value("zed.quinn@example.com")
    page.locator("#lead-sessions").click()
    wait_at(page, "sessions", f"lead={seeded['lead']}")
    expect(page.locator("#lead-filter")).to_contain_text(seeded["lead"])
    expect(rows).to_have_count(1)
    expect(page.locator("#sessions-table")).to_contain_text(seeded["api"])
    shot(page, "24-lead-sessions")
    page.locator("#clear-lead").click()
    wait_at(page, "sessions")
    expect(page.locator("#lead-filter")).to_have_count(0)
    expect(rows).to_have_count(25)
