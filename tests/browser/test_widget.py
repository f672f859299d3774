"""The embeddable widget in headless Chromium against the real API over HTTP.

From an allowed origin: open the bubble, get the ice breaker, send a message and watch the
answer stream in token by token, reload and find the same session and transcript, go on
chatting. From a disallowed origin: the widget says it is refused and no session exists.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, ICE_BREAKER, PROFILE, WRONG_PROFILE, WidgetEnv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium "
        "(scripts/ensure-chromium.sh installs it)",
    ),
]

JANE = "Hi, I am Jane Doe, jane@example.com"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
ASSISTANT_DONE = '[data-testid="ob-message"][data-role="assistant"]:not([data-streaming])'

# Records every text the streaming answer bubble shows, in order (a MutationObserver inside
# the widget's open shadow root), to prove the answer is painted token by token.
WATCH_STREAM = """() => {
  const root = document.querySelector('[data-testid="ob-widget"]').shadowRoot;
  const log = root.querySelector('[data-testid="ob-messages"]');
  window.__obFrames = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (el && el.dataset && el.dataset.role === "assistant") {
        for (const n of r.addedNodes) if (n.nodeType === 3) window.__obFrames.push(n.data);
      }
    }
  }).observe(log, { childList: true, subtree: true, characterData: true });
}"""


def _stored(page: Any, env: WidgetEnv) -> dict[str, Any]:
    name = f"openbrain.widget.v1:{env.key}:{PROFILE}"
    value = page.evaluate("(name) => JSON.parse(localStorage.getItem(name) || '{}')", name)
    assert isinstance(value, dict)
    return value


def _sessions_from(env: WidgetEnv, origin: str) -> list[Any]:
    sessions, _ = env.store.sessions.list(limit=200)
    return [s for s in sessions if s.origin == origin]


def _origin_of(url: str) -> str:
    return url.rstrip("/")


def test_chat_streams_and_survives_a_reload(page: Any, widget_env: WidgetEnv, shot: Any) -> None:
    from playwright.sync_api import expect

    env = widget_env
    origin = _origin_of(env.allowed_url)
    page.goto(env.allowed_url)
    bubble = page.get_by_test_id("ob-bubble")
    expect(bubble).to_be_visible()
    box = bubble.bounding_box()
    assert box is not None
    assert round(box["width"]) == 56, "the host page's CSS reached the widget"
    expect(bubble).to_have_attribute("aria-expanded", "false")
    shot(page, "closed")

    # Open: a session starts and answers with the profile's ice breaker.
    bubble.click()
    panel = page.get_by_test_id("ob-panel")
    expect(panel).to_be_visible()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    messages = page.get_by_test_id("ob-message")
    expect(messages).to_have_count(1)
    expect(messages.first).to_have_text(ICE_BREAKER)
    expect(messages.first).to_have_attribute("data-role", "assistant")
    expect(panel).to_have_attribute("data-session-id", SESSION_ID)
    session_id = panel.get_attribute("data-session-id")
    assert session_id
    field = page.get_by_test_id("ob-input")
    expect(field).to_be_focused()
    expect(page.get_by_label("Message")).to_be_visible()
    shot(page, "ice-breaker")

    # Send with Enter: the answer streams in, one token after another.
    page.evaluate(WATCH_STREAM)
    field.fill(JANE)
    field.press("Enter")
    expect(messages.nth(1)).to_have_text(JANE)
    expect(messages.nth(1)).to_have_attribute("data-role", "user")
    expect(page.locator(ASSISTANT_DONE)).to_have_count(2)
    answer = messages.nth(2).inner_text()
    assert answer.strip()
    frames = page.evaluate("window.__obFrames")
    assert len(frames) >= 3, f"the answer was not streamed token by token: {frames!r}"
    assert all(a == b[: len(a)] for a, b in itertools.pairwise(frames)), frames
    assert frames[-1] == answer
    expect(field).to_have_value("")
    expect(page.get_by_test_id("ob-error")).to_be_hidden()
    shot(page, "answer")

    # The server holds one session for this page's origin, and the lead the agent captured.
    (session,) = _sessions_from(env, origin)
    assert session.session_id == session_id
    assert session.profile_name == PROFILE
    assert session.turn_count == 1
    assert session.lead_id is not None
    lead = env.store.leads.require(session.lead_id)
    assert lead.email == "jane@example.com"
    stored = _stored(page, env)
    assert stored["sessionId"] == session_id
    assert stored["tokenSession"] == session_id  # the token is bound to this session
    # ...and the session to this browser's visitor secret, which the server keeps hashed.
    secret = stored["visitorSecret"]
    assert session.visitor_hash == hashlib.sha256(secret.encode()).hexdigest()

    # Reload with the token expired: the panel reopens with the same session and the whole
    # transcript, and the next message exchanges the key again for that same session.
    page.evaluate(
        """(name) => {
          const state = JSON.parse(localStorage.getItem(name));
          state.expiresAt = "2000-01-01T00:00:00Z";
          localStorage.setItem(name, JSON.stringify(state));
        }""",
        f"openbrain.widget.v1:{env.key}:{PROFILE}",
    )
    old_token = stored["token"]
    page.reload()
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-session-id", session_id)
    expect(messages).to_have_count(3)
    expect(messages).to_have_text([ICE_BREAKER, JANE, answer])
    shot(page, "reloaded")

    # ...and the conversation goes on in that session (no new one, no new ice breaker).
    field.fill("Thanks, that is all.")
    page.get_by_test_id("ob-send").click()
    expect(page.locator(ASSISTANT_DONE)).to_have_count(3)
    expect(panel).to_have_attribute("data-session-id", session_id)
    (session,) = _sessions_from(env, origin)
    assert session.session_id == session_id
    assert session.turn_count == 2
    renewed = _stored(page, env)
    assert renewed["token"] != old_token
    assert renewed["tokenSession"] == session_id
    assert renewed["visitorSecret"] == secret
    shot(page, "continued")

    # Escape closes the panel and gives focus back to the bubble.
    field.press("Escape")
    expect(panel).to_be_hidden()
    expect(bubble).to_be_focused()
    expect(bubble).to_have_attribute("aria-expanded", "false")
    shot(page, "closed-again")


@pytest.mark.parametrize(
    "site", ["foreign_url", "other_key_url"], ids=["unknown-origin", "origin-of-another-key"]
)
def test_refused_on_a_disallowed_origin(
    page: Any, widget_env: WidgetEnv, shot: Any, site: str
) -> None:
    from playwright.sync_api import expect

    env = widget_env
    url = getattr(env, site)
    before = {s.session_id for s in env.store.sessions.list(limit=200)[0]}
    page.goto(url)
    page.get_by_test_id("ob-bubble").click()
    error = page.get_by_test_id("ob-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("not allowed")
    expect(page.get_by_test_id("ob-panel")).to_have_attribute("data-state", "refused")
    expect(page.get_by_test_id("ob-input")).to_be_disabled()
    expect(page.get_by_test_id("ob-send")).to_be_disabled()
    expect(page.get_by_test_id("ob-message")).to_have_count(0)
    shot(page, "refused")

    after = {s.session_id for s in env.store.sessions.list(limit=200)[0]}
    assert after == before, "a refused widget must not create a session"
    assert _sessions_from(env, _origin_of(url)) == []
    assert "sessionId" not in _stored(page, env)
    assert "token" not in _stored(page, env)


def test_problem_detail_is_shown(page: Any, widget_env: WidgetEnv, shot: Any) -> None:
    """An API refusal the page may read (CORS allowed) shows the problem's ``detail``."""
    from playwright.sync_api import expect

    env = widget_env
    before = {s.session_id for s in env.store.sessions.list(limit=200)[0]}
    page.goto(env.wrong_profile_url)
    page.get_by_test_id("ob-bubble").click()
    error = page.get_by_test_id("ob-error")
    expect(error).to_contain_text(f"'{WRONG_PROFILE}'")
    expect(page.get_by_test_id("ob-input")).to_be_disabled()
    shot(page, "problem-detail")
    assert {s.session_id for s in env.store.sessions.list(limit=200)[0]} == before


def test_another_browser_with_the_session_id_reaches_nothing(
    browser: Any, page: Any, widget_env: WidgetEnv,
) -> None:
    """A second visitor whose storage names the first one's session (the id leaked) gets a
    session of their own: never the first one's transcript, and nothing posted into it."""
    from playwright.sync_api import expect

    env = widget_env
    origin = _origin_of(env.allowed_url)
    page.goto(env.allowed_url)
    page.get_by_test_id("ob-bubble").click()
    panel = page.get_by_test_id("ob-panel")
    expect(panel).to_have_attribute("data-session-id", SESSION_ID)
    field = page.get_by_test_id("ob-input")
    field.fill(JANE)
    field.press("Enter")
    expect(page.locator(ASSISTANT_DONE)).to_have_count(2)
    victim = _stored(page, env)["sessionId"]
    before = env.store.sessions.require(victim)

    context = browser.new_context()
    context.set_default_timeout(10_000)
    other = context.new_page()
    try:
        other.goto(env.allowed_url)
        other.evaluate(
            """([name, sessionId]) => localStorage.setItem(name, JSON.stringify(
                 {sessionId, open: true, messages: [{role: "assistant", text: "hello"}]}))""",
            [f"openbrain.widget.v1:{env.key}:{PROFILE}", victim],
        )
        other.reload()
        other_field = other.get_by_test_id("ob-input")
        other_field.fill("What did I tell you before?")
        other_field.press("Enter")
        other_panel = other.get_by_test_id("ob-panel")
        expect(other_panel).not_to_have_attribute("data-session-id", victim)
        expect(other.locator(ASSISTANT_DONE)).to_have_count(2)
        mine = other_panel.get_attribute("data-session-id")
        assert mine
        assert mine != victim
        assert "jane@example.com" not in other.get_by_test_id("ob-panel").inner_text()
    finally:
        context.close()
    after = env.store.sessions.require(victim)
    assert (after.turn_count, after.message_count) == (before.turn_count, before.message_count)
    assert len(_sessions_from(env, origin)) >= 2
