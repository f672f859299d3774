"""The tuner's chat in Chromium: bubbles (the admin's on the right), the answer streamed in,
each tool call folded until opened, the lead and the session's events beside the log, the log
at its newest message, and the session listed under the ``tuner`` channel. Screenshots go to
``test-artifacts/dashboard/``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, shot
from tests.admin_ui.test_browser import sign_in, wait_at

pytestmark = pytest.mark.browser

PROFILE = "chat-look-e2e"
EMAIL = "ann.lee@example.com"
# Records every text the streaming bubble shows, so the test sees the answer arrive in parts.
WATCH_PARTIAL = """() => {
  window.partials = [];
  new MutationObserver(() => {
    const p = document.getElementById('chat-partial');
    if (p && p.textContent.replace('▍', '').trim()) window.partials.push(p.textContent);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_tuner_chat_bubbles_tool_calls_lead_and_events(page: Any, tuner: Tuner) -> None:
    headers = {"Authorization": f"Bearer {tuner.token('acme')}"}
    settings = {"model": "offline", "tools": ["capture_lead", "update_lead"],
                "iceBreaker": "Hi! Who am I talking to?"}
    r = httpx.put(f"{tuner.api}/v1/configs/{PROFILE}", json=settings, headers=headers)
    assert r.status_code == 200, r.text
    sign_in(page, tuner, tuner.token("acme"))
    page.goto(f"{tuner.dashboard}/profile?name={PROFILE}")
    log = page.locator("#chat-log")
    # The first page of a freshly started dashboard can take a while on a loaded machine.
    expect(log.locator(".chat-assistant")).to_have_text("Assistant: Hi! Who am I talking to?",
                                                        timeout=30_000)

    page.evaluate(WATCH_PARTIAL)
    page.locator("#chat-input").fill(f"Hi, I am Ann Lee, my e-mail is {EMAIL}")
    page.locator("#chat-input").press("Enter")
    expect(log.locator(".chat-assistant")).to_have_count(2, timeout=30_000)
    answer = log.locator(".chat-assistant").last.inner_text().removeprefix("Assistant: ")
    partials = page.evaluate("() => window.partials")
    assert partials, "the answer streamed into the log before it was complete"
    assert any(len(p.rstrip("▍")) < len(answer) for p in partials), partials

    # The admin's bubble on the right, the assistant's on the left.
    user = log.locator(".chat-user")
    expect(user).to_have_text(f"You: Hi, I am Ann Lee, my e-mail is {EMAIL}")
    log_box, user_box = log.bounding_box(), user.bounding_box()
    bot_box = log.locator(".chat-assistant").first.bounding_box()
    assert user_box["x"] + user_box["width"] > log_box["x"] + log_box["width"] - 30
    assert bot_box["x"] < log_box["x"] + 30

    # The tool call, folded: its name shows, its arguments and result once opened.
    tool = log.locator(".chat-tool")
    expect(tool).to_have_count(1)
    expect(tool.locator("summary")).to_have_text("Tool call capture_lead")
    expect(tool.locator(".chat-tool-args")).to_be_hidden()
    shot(page, "30-tuner-chat-folded")
    tool.locator("summary").click()
    expect(tool.locator(".chat-tool-args")).to_be_visible()
    expect(tool.locator(".chat-tool-args")).to_contain_text(EMAIL)
    expect(tool.locator(".chat-tool-result")).to_contain_text("saved")

    # The lead and the events, beside the log.
    expect(page.locator("#chat-lead")).to_contain_text(EMAIL)
    expect(page.locator("#chat-events")).to_contain_text("lead.created")
    lead_box = page.locator("#chat-lead").bounding_box()
    assert lead_box["x"] >= log_box["x"] + log_box["width"], "the lead sits beside the log"
    shot(page, "31-tuner-chat-open-tool")

    # More messages than the log holds: it shows the newest.
    for n, text in enumerate(("What can you do?", "And what else?", "Thanks!"), start=3):
        page.locator("#chat-input").fill(text)
        page.locator("#chat-input").press("Enter")
        expect(log.locator(".chat-assistant")).to_have_count(n, timeout=30_000)
    height, visible = log.evaluate("l => [l.scrollHeight, l.clientHeight]")
    assert height > visible, "the log should overflow for this check to mean anything"
    page.wait_for_function(
        "() => { const l = document.getElementById('chat-log');"
        " return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; }")
    expect(log.locator(".chat-assistant").last).to_be_in_viewport()
    shot(page, "32-tuner-chat-scrolled")

    # The session is a tuner session in the list, with its first message.
    page.locator("#nav-sessions").click()
    wait_at(page, "sessions")
    page.locator("#filter-profile").fill(PROFILE)
    page.locator("#filter-channel").click()
    page.get_by_role("option", name="tuner", exact=True).click()
    rows = page.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Hi, I am Ann Lee, my e-mail is {EMAIL}")
    expect(rows.first.locator(".lead-link")).to_have_text("Ann Lee")
    shot(page, "33-tuner-session-listed")
