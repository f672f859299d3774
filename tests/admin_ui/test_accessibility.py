"""Every dashboard page under axe-core at desktop and phone width, and the main flows by
keyboard alone, in headless Chromium against ``ob-tuner`` (its own tenants, set up over the API).

Each audited state (empty, populated, editing, an error shown, a dialog open) must have no
critical or serious axe finding, and at 390 px no page may be wider than the viewport.
Screenshots go to ``test-artifacts/dashboard/a11y-*``: look at them when the layout changes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from openbrain.api.schemas import NewKey, SendMessage, StartSession
from openbrain.client import Client, api
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.delivery import NewRoute
from tests.admin_ui.conftest import A11Y_TENANTS, Tuner, shot
from tests.axe import AXE_HINT, AXE_SCRIPT, Audit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not AXE_SCRIPT.exists(), reason=f"axe-core is missing: {AXE_HINT}"),
]

FULL = A11Y_TENANTS[0]  # a tenant with a profile, a session, a lead, keys, a webhook and usage
EMPTY = A11Y_TENANTS[1]  # a tenant with nothing in it
PROFILE = "support"
EMAIL = "grace.example@example.com"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Seeded:
    def __init__(self, session_id: str, lead_id: str) -> None:
        self.session_id, self.lead_id = session_id, lead_id


@pytest.fixture(scope="module")
def seeded(tuner: Tuner) -> Seeded:
    """The populated tenant, written through the API as an admin would."""
    with Client(tuner.api, tuner.token(FULL)) as client:
        client.send(api.save_config(PROFILE, AgentSettings(
            model="offline", tools=["capture_lead", "update_lead"],
            ice_breaker="Hello! Who am I talking to?")))
        started = client.send(api.start_session(StartSession(profile=PROFILE)))
        reply = client.send(api.send_message(
            started.session_id, SendMessage(message=f"I am Grace Example, {EMAIL}")))
        assert reply.lead is not None
        client.send(api.create_key(NewKey(kind="publishable", name="site widget",
                                          scopes=["chat"],
                                          allowed_origins=["https://shop.example"],
                                          profiles=[PROFILE])))
        client.send(api.create_key(NewKey(kind="secret", name="crm sync",
                                          scopes=["leads:read"], allowed_origins=[],
                                          profiles=[])))
        client.send(api.add_route(NewRoute(event_types=["lead.created"],
                                           url="http://127.0.0.1:9/hook")))
    return Seeded(started.session_id, reply.lead.lead_id)


def signed_in(browser: Any, tuner: Tuner, tenant: str, viewport: dict[str, int]) -> Any:
    """A page whose LocalStorage holds a token for ``tenant`` (as after signing in)."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(20_000)
    context.add_init_script(
        f"localStorage.getItem('ob_admin_token') || "
        f"localStorage.setItem('ob_admin_token', {tuner.token(tenant)!r})")
    return context.new_page()


def open_page(page: Any, tuner: Tuner, path: str, ready: str) -> None:
    page.goto(f"{tuner.dashboard}{path}")
    expect(page.locator(ready).first).to_be_visible()
    expect(page.locator("#loading")).to_have_count(0)


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    value: dict[str, int] = request.param
    return value


def test_every_page_passes_axe(browser: Any, tuner: Tuner, seeded: Seeded,
                               viewport: dict[str, int]) -> None:
    """Sign-in, the signed-in pages empty and populated, with an error shown, editing, and with
    a dialog open: no critical or serious finding, and nothing wider than a phone."""
    phone = viewport == PHONE
    width = "phone" if phone else "desktop"
    audit = Audit()

    def check(page: Any, state: str) -> None:
        landmarks = ("main",) if state.startswith("signin") else ("header", "nav", "main")
        audit.check(page, f"{width} {state}", phone=phone, landmarks=landmarks)
        shot(page, f"a11y-{width}-{state}")

    # Sign-in: as it opens, and with a refused token.
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{tuner.dashboard}/")
    expect(page.locator("#token-input")).to_be_visible()
    check(page, "signin")
    page.locator("#token-input").fill("not-a-token")
    page.locator("#sign-in").click()
    expect(page.locator("#signin-error")).to_be_visible()
    check(page, "signin-error")
    context.close()

    # The empty tenant: every list says it is empty.
    page = signed_in(browser, tuner, EMPTY, viewport)
    for path, ready, state in (
        ("/profiles", "#profiles-table", "profiles-empty"),
        ("/sessions", "#sessions-table", "sessions-empty"),
        ("/leads", "#leads-table", "leads-empty"),
        ("/keys", "#keys-table", "keys-empty"),
        ("/usage", "#usage-empty", "usage-empty"),
        ("/inbox", "#inbox-table", "inbox-empty"),
    ):
        open_page(page, tuner, path, ready)
        check(page, state)
    open_page(page, tuner, "/profile?name=missing", "#not-found")
    check(page, "profile-not-found")
    page.context.close()

    page = signed_in(browser, tuner, FULL, viewport)
    open_page(page, tuner, "/profiles", "#profiles-table a")
    check(page, "profiles")
    page.locator("#create-profile").click()
    expect(page.get_by_role("alert")).to_have_text("Give the new profile a name.")
    check(page, "profiles-error")

    # The editor and tuner: loaded, after a chat reply, with a field error.
    open_page(page, tuner, f"/profile?name={PROFILE}", ".chat-assistant")
    page.locator("#chat-input").fill("Thanks, that is all.")
    page.locator("#chat-input").press("Enter")
    expect(page.locator(".chat-assistant")).to_have_count(2, timeout=30_000)
    check(page, "editor-tuner")
    page.locator("#field-maxTokens").fill("lots")
    page.locator("#save-profile").click()
    expect(page.locator("#error")).to_be_visible()
    check(page, "editor-field-error")

    open_page(page, tuner, "/sessions", ".session-link")
    check(page, "sessions")
    open_page(page, tuner, f"/session?id={seeded.session_id}", ".transcript-row")
    check(page, "transcript")
    open_page(page, tuner, "/leads", ".lead-link")
    check(page, "leads")
    open_page(page, tuner, f"/lead?id={seeded.lead_id}", "#lead-email")
    expect(page.locator("#lead-email")).to_have_value(EMAIL)
    check(page, "lead")
    page.locator("#erase-lead").click()
    expect(page.locator("#erase-confirmation")).to_be_visible()
    check(page, "lead-erase-dialog")
    page.keyboard.press("Escape")

    open_page(page, tuner, "/keys", ".key-row")
    check(page, "keys")
    page.locator(".key-row", has_text="site widget").locator(".revoke-key").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    check(page, "keys-revoke-dialog")
    page.keyboard.press("Escape")
    page.locator("#key-origins").fill("not an origin")
    page.locator("#create-key").click()
    expect(page.locator("#error")).to_be_visible()
    check(page, "keys-error")

    open_page(page, tuner, "/events", "#routes-table tbody tr")
    check(page, "events")
    open_page(page, tuner, "/usage", "#usage-by-day")
    check(page, "usage")
    # The inbox with a conversation taken by this admin: the list, the transcript, the reply.
    with Client(tuner.api, tuner.token(FULL)) as client:
        held = client.send(api.start_session(StartSession(profile=PROFILE))).session_id
        client.send(api.take_session(held))
    open_page(page, tuner, f"/inbox?id={held}", "#reply-input")
    check(page, "inbox")
    page.context.close()

    assert len(audit.states) == 24
    audit.assert_clean()


# --- the main flows by keyboard alone ------------------------------------------------------


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the focus is on ``selector``: it is reachable by keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def focused(page: Any, selector: str) -> bool:
    result: bool = page.evaluate("s => !!document.activeElement.closest(s)", selector)
    return result


def test_skip_link_then_edit_and_save_a_profile(browser: Any, tuner: Tuner,
                                                seeded: Seeded) -> None:
    page = signed_in(browser, tuner, FULL, DESKTOP)
    open_page(page, tuner, f"/profile?name={PROFILE}", ".chat-assistant")
    page.keyboard.press("Tab")
    assert focused(page, ".skip-link"), "the first Tab stop is the skip link"
    page.keyboard.press("Enter")
    assert focused(page, "main"), "the skip link moves the focus to the main content"
    expect(page).to_have_url(re.compile(rf"\?name={PROFILE}$"))

    tab_to(page, "#field-iceBreaker")
    page.keyboard.press("Control+a")
    page.keyboard.type("Hi! What brings you here?")
    before = int(page.locator("#current-version").inner_text())
    tab_to(page, "#save-profile")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Saved as version")).to_have_text(
        f"Saved as version {before + 1}.")
    expect(page.locator("#field-iceBreaker")).to_have_value("Hi! What brings you here?")
    page.context.close()


def test_chat_in_the_tuner(browser: Any, tuner: Tuner, seeded: Seeded) -> None:
    """Focus stays in the message field after sending; the log announces and scrolls."""
    page = signed_in(browser, tuner, FULL, DESKTOP)
    open_page(page, tuner, f"/profile?name={PROFILE}", ".chat-assistant")
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")
    tab_to(page, "#chat-log")  # the log takes the focus, so it scrolls by keyboard
    tab_to(page, "#chat-input")
    page.keyboard.type("Hello there")
    tab_to(page, "#chat-send")
    page.keyboard.press("Enter")
    expect(page.locator("#chat-input")).to_be_focused()
    expect(log.locator(".chat-assistant")).to_have_count(2, timeout=30_000)
    for n, text in enumerate(("What can you do?", "And what else?"), start=3):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        expect(log.locator(".chat-assistant")).to_have_count(n, timeout=30_000)
        expect(page.locator("#chat-input")).to_be_focused()
    height, visible = log.evaluate("l => [l.scrollHeight, l.clientHeight]")
    assert height > visible, "the log should overflow for this check to mean anything"
    page.wait_for_function(
        "() => { const l = document.getElementById('chat-log');"
        " return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; }")
    log.focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => document.getElementById('chat-log').scrollTop === 0")
    page.context.close()


def test_change_a_leads_status(browser: Any, tuner: Tuner, seeded: Seeded) -> None:
    page = signed_in(browser, tuner, FULL, DESKTOP)
    open_page(page, tuner, f"/lead?id={seeded.lead_id}", "#lead-email")
    expect(page.locator("#lead-email")).to_have_value(EMAIL)
    tab_to(page, "#lead-status")
    page.keyboard.press("Enter")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    # Keys typed before the open list holds the focus (it focuses the current value) would
    # go elsewhere, and Enter picks whatever option typeahead has highlighted by then.
    expect(page.get_by_role("option", name="new")).to_have_attribute("data-highlighted", "")
    page.keyboard.type("qual")
    expect(page.get_by_role("option", name="qualified")).to_have_attribute(
        "data-highlighted", "")
    page.keyboard.press("Enter")
    expect(listbox).to_have_count(0)
    expect(page.locator("#lead-status")).to_have_text("qualified")
    assert focused(page, "#lead-status"), "the focus comes back to the select"
    tab_to(page, "#save-lead")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Lead saved.")).to_be_visible()
    page.reload()
    expect(page.locator("#lead-status")).to_have_text("qualified")
    page.context.close()


def test_revoke_a_key_through_its_confirmation(browser: Any, tuner: Tuner,
                                               seeded: Seeded) -> None:
    page = signed_in(browser, tuner, FULL, DESKTOP)
    open_page(page, tuner, "/keys", ".key-row")
    revoke = "button[aria-label='Revoke crm sync']"
    tab_to(page, revoke)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    assert focused(page, "[role=alertdialog]"), "the focus goes into the dialog"
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert focused(page, revoke), "the focus comes back to the Revoke button"

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    tab_to(page, ".confirm-revoke", limit=5)
    page.keyboard.press("Enter")
    row = page.locator(".key-row", has_text="crm sync")
    expect(row.locator(".key-revoked")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="revoked.")).to_be_visible()
    expect(page.locator("#keys-region")).to_be_focused()
    page.context.close()


def test_filter_sessions(browser: Any, tuner: Tuner, seeded: Seeded) -> None:
    page = signed_in(browser, tuner, FULL, DESKTOP)
    open_page(page, tuner, "/sessions", ".session-link")
    tab_to(page, "#filter-profile")
    page.keyboard.type("nobody")
    tab_to(page, "#filter-sessions")
    page.keyboard.press("Enter")
    expect(page.locator(".session-link")).to_have_count(0)
    expect(page.locator(".empty")).to_have_text("No sessions match.")
    # Enter in the field applies the filter too (the filters are a form).
    tab_to(page, "#filter-profile")
    page.keyboard.press("Control+a")
    page.keyboard.type(PROFILE)
    page.keyboard.press("Enter")
    expect(page.locator(".session-link").first).to_be_visible()
    expect(page.locator("#sessions-table")).to_contain_text(seeded.session_id)
    page.context.close()
