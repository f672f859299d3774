"""The widget under axe-core at desktop and phone width: closed, open with the ice breaker,
after a streamed answer, and showing a refusal. Only the widget is audited (the host page's
hostile CSS is the test site's, not ours); at 390 px it must not widen the page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.axe import AXE_HINT, AXE_SCRIPT, Audit
from tests.browser.conftest import CHROMIUM, ICE_BREAKER, WidgetEnv

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE_SCRIPT.exists(), reason=f"axe-core is missing: {AXE_HINT}"),
]

WIDGET = '[data-testid="ob-widget"]'
ANSWERED = '[data-testid="ob-message"][data-role="assistant"]:not([data-streaming])'


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900},
                                      {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_widget_passes_axe(browser: Any, widget_env: WidgetEnv, viewport: dict[str, int],
                           shot: Any) -> None:
    from playwright.sync_api import expect

    phone = viewport["width"] < 500
    audit = Audit()
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(widget_env.allowed_url)
        expect(page.get_by_test_id("ob-bubble")).to_be_visible()
        audit.check(page, "closed", phone=phone, include=WIDGET)
        page.get_by_test_id("ob-bubble").click()
        expect(page.get_by_test_id("ob-message").first).to_have_text(ICE_BREAKER)
        audit.check(page, "open", phone=phone, include=WIDGET)
        page.get_by_test_id("ob-input").fill("Hi, I am Jo Doe, jo@example.com")
        page.get_by_test_id("ob-input").press("Enter")
        expect(page.locator(ANSWERED)).to_have_count(2)
        audit.check(page, "answered", phone=phone, include=WIDGET)
        shot(page, "answered")

        page.goto(widget_env.wrong_profile_url)
        page.get_by_test_id("ob-bubble").click()
        expect(page.get_by_test_id("ob-error")).to_be_visible()
        audit.check(page, "refused", phone=phone, include=WIDGET)
        shot(page, "refused")
    finally:
        context.close()
    audit.assert_clean()
