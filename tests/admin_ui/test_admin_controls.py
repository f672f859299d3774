"""The tenant admin's controls in headless Chromium against ``ob-tuner``: usage charts drawn at
their full height at once, confirmations before restoring a version and rotating a secret, and
the save's outcome beside its button. Screenshots go to ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openbrain.api.schemas import NewKey, SendMessage, StartSession
from openbrain.client import Client, api
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.delivery import NewRoute
from tests.admin_ui.conftest import Tuner, shot
from tests.admin_ui.test_browser import sign_in, wait_at
from tests.events.support import Receiver

pytestmark = pytest.mark.browser

PROFILE = "controls"

# The bars' heights in the first frame that draws any, then in each frame for a second.
_BAR_FRAMES = """() => new Promise(resolve => {
    const frames = [];
    let first = null;
    const look = () => {
        const bars = document.querySelectorAll('#usage-by-day .recharts-bar-rectangle path');
        if (bars.length) {
            first = first ?? performance.now();
            frames.push(Array.from(bars, b => b.getBoundingClientRect().height));
        }
        if (first !== null && performance.now() - first > 1000) resolve(frames);
        else requestAnimationFrame(look);
    };
    look();
})"""


def _turns(tuner: Tuner, count: int) -> None:
    with Client(tuner.api, tuner.token("demo")) as client:
        client.send(api.save_config(PROFILE, AgentSettings(model="offline")))
        for _ in range(count):
            started = client.send(api.start_session(StartSession(profile=PROFILE)))
            client.send(api.send_message(started.session_id, SendMessage(message="hello")))


def test_usage_bars_are_drawn_at_full_height_at_once(page: Any, tuner: Tuner) -> None:
    """The bars were drawn growing from zero (recharts' animation): a look (or screenshot)
    while it ran saw them far too short. Now the first frame with a bar is the final one."""
    _turns(tuner, 3)
    sign_in(page, tuner, tuner.token("demo"))
    page.locator("#nav-usage").click()
    frames = page.evaluate(_BAR_FRAMES)
    final = frames[-1]
    assert min(final) > 100, final  # 260 px charts: the tallest bars fill them
    assert all(f == pytest.approx(final, abs=1) for f in frames), frames
    shot(page, "30-usage-bars")


def test_restore_asks_first_and_save_feedback_sits_by_the_button(page: Any,
                                                                 tuner: Tuner) -> None:
    _turns(tuner, 0)
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/profile?name={PROFILE}")
    wait_at(page, "profile", f"name={PROFILE}")
    page.locator("#field-maxTokens").fill("333")
    page.locator("#save-profile").click()
    saved = page.locator("#saved")
    expect(saved).to_contain_text("Saved as version")
    # Beside the button: on its row, not at the top of the page.
    button, said = page.locator("#save-profile").bounding_box(), saved.bounding_box()
    assert abs(said["y"] - button["y"]) < button["height"], (button, said)
    shot(page, "31-saved-beside-button")

    # A refused save says so beside the button as well.
    page.locator("#field-maxTokens").fill("999999")
    page.locator("#save-profile").click()
    expect(page.locator("#save-failed")).to_be_visible()
    expect(page.locator("#saved")).to_have_count(0)

    # Restore asks first; Cancel leaves everything as it was.
    version = page.locator("#current-version").inner_text()
    page.locator("#restore-1").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Restore version 1?")
    shot(page, "32-restore-confirmation")
    dialog.locator(".cancel-restore").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#current-version")).to_have_text(version)
    page.locator("#restore-1").click()
    page.get_by_role("alertdialog").locator(".confirm-restore").click()
    expect(page.locator("#saved")).to_contain_text(
        f"Restored version 1 as version {int(version) + 1}.")
    expect(page.locator("#save-failed")).to_have_count(0)


def test_rotating_a_secret_asks_first(page: Any, tuner: Tuner) -> None:
    with Client(tuner.api, tuner.token("demo")) as client:
        client.send(api.add_route(NewRoute(event_types=["lead.created"],
                                           url="http://127.0.0.1:9/rotate-hook")))
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/events")
    row = page.locator("#routes-table tr", has_text="rotate-hook")
    row.locator(".rotate-secret").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Rotate the signing secret")
    shot(page, "33-rotate-confirmation")
    dialog.locator(".cancel-rotate").click()
    expect(page.locator("#route-secret")).to_have_count(0)
    row.locator(".rotate-secret").click()
    page.get_by_role("alertdialog").locator(".confirm-rotate").click()
    expect(page.locator("#route-secret")).to_contain_text("whsec_")


def test_model_picker_offers_the_configured_models(page: Any, tuner: Tuner) -> None:
    """Without an LLM endpoint the platform serves ``offline`` only; a profile naming another
    model keeps it as a choice, said to run offline."""
    with Client(tuner.api, tuner.token("demo")) as client:
        client.send(api.save_config("picker", AgentSettings(model="gpt-4o-mini")))
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/profile?name=picker")
    wait_at(page, "profile", "name=picker")
    picker = page.locator("#field-model")
    expect(picker).to_have_text("gpt-4o-mini")
    expect(page.locator("#model-note")).to_contain_text("not configured")
    shot(page, "34-model-picker")
    picker.click()
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text(["offline", "gpt-4o-mini"])
    options.filter(has_text="offline").click()
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(picker).to_have_text("offline")
    expect(page.locator("#model-note")).to_contain_text("free")
    page.locator("#save-profile").click()
    expect(page.locator("#saved")).to_contain_text("Saved as version 2.")
    with Client(tuner.api, tuner.token("demo")) as client:
        assert client.send(api.config("picker")).model == "offline"


def test_usage_shows_cost_per_model(page: Any, tuner: Tuner) -> None:
    _turns(tuner, 1)
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/usage")
    costs = page.locator("#usage-costs")
    expect(costs).to_contain_text("offline")
    expect(costs.locator("tr", has_text="offline")).to_contain_text("$0.00")
    expect(page.locator("#usage-cost-total")).to_contain_text("In this period: $")
    costs.scroll_into_view_if_needed()
    shot(page, "35-usage-costs")


def test_routes_are_disabled_enabled_and_sent_a_test_event(page: Any, tuner: Tuner) -> None:
    receiver = Receiver()
    receiver.start()
    try:
        with Client(tuner.api, tuner.token("demo")) as client:
            client.send(api.add_route(NewRoute(event_types=["lead.created"], url=receiver.url,
                                               route_id="ui-hook")))
        sign_in(page, tuner, tuner.token("demo"))
        page.goto(f"{tuner.dashboard}/events")
        row = page.locator("#routes-table tr", has_text="ui-hook")
        row.locator(".disable-route").click()
        expect(page.locator("#events-message")).to_contain_text("Route ui-hook disabled.")
        expect(row.locator(".enable-route")).to_be_visible()
        expect(row).to_contain_text("no")

        # Tested while off: delivered, signed, to this route alone.
        row.locator(".test-route").click()
        expect(page.locator("#route-test-result")).to_contain_text(
            "Test event delivered to ui-hook (HTTP 200")
        [call] = receiver.calls
        assert call.headers["webhook-signature"].startswith("v1,")
        shot(page, "36-route-test-delivered")

        row.locator(".enable-route").click()
        expect(row.locator(".disable-route")).to_be_visible()
        receiver.status = 410
        row.locator(".test-route").click()
        expect(page.locator("#route-test-result")).to_contain_text(
            "Test event not delivered to ui-hook (HTTP 410")
        shot(page, "37-route-test-refused")
        # A spec's route is tested too, but not switched off here.
        spec_row = page.locator("#routes-table tr", has_text="log-all")
        expect(spec_row.locator(".disable-route")).to_have_count(0)
        spec_row.locator(".test-route").click()
        expect(page.locator("#route-test-result")).to_contain_text("delivered to log-all")
    finally:
        receiver.stop()


def test_a_publishable_keys_origins_are_edited(page: Any, tuner: Tuner) -> None:
    with Client(tuner.api, tuner.token("demo")) as client:
        client.send(api.create_key(NewKey(kind="publishable", name="origins-ui",
                                          allowed_origins=["http://localhost:8000"])))
        client.send(api.create_key(NewKey(kind="secret", name="origins-secret",
                                          scopes=["leads:read"])))
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/keys")
    row = page.locator(".key-row", has_text="origins-ui")
    row.locator(".edit-origins").click()
    dialog = page.get_by_role("dialog")
    expect(page.locator("#edit-origins")).to_have_value("http://localhost:8000")

    # An origin the tenant's widget does not allow: the API's sentence, in the dialog.
    page.locator("#edit-origins").fill("https://elsewhere.example")
    page.locator("#save-origins").click()
    expect(dialog).to_contain_text("allowedOrigins must be among the tenant's widget origins")
    shot(page, "38-key-origins-refused")

    page.locator("#edit-origins").fill("http://localhost:8000, http://127.0.0.1:8000")
    page.locator("#save-origins").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#keys-message")).to_contain_text("saved")
    expect(row).to_contain_text("http://localhost:8000, http://127.0.0.1:8000")
    with Client(tuner.api, tuner.token("demo")) as client:
        [key] = [k for k in client.send(api.keys()).items if k.name == "origins-ui"]
    assert key.allowed_origins == ["http://localhost:8000", "http://127.0.0.1:8000"]
    # A secret key has no origins to edit.
    secret_row = page.locator(".key-row", has_text="origins-secret")
    expect(secret_row.locator(".revoke-key")).to_have_count(1)
    expect(secret_row.locator(".edit-origins")).to_have_count(0)


def test_a_profile_is_renamed_with_its_history(page: Any, tuner: Tuner) -> None:
    with Client(tuner.api, tuner.token("demo")) as client:
        client.send(api.save_config("to-rename", AgentSettings(model="offline", max_tokens=100)))
        client.send(api.save_config("to-rename", AgentSettings(model="offline", max_tokens=200)))
        client.send(api.save_config("name-taken", AgentSettings(model="offline")))
    sign_in(page, tuner, tuner.token("demo"))
    page.goto(f"{tuner.dashboard}/profile?name=to-rename")
    wait_at(page, "profile", "name=to-rename")
    expect(page.locator(".version-row")).to_have_count(2)

    page.locator("#rename-name").fill("name-taken")
    page.locator("#rename-profile").click()
    expect(page.locator("#error")).to_contain_text("a profile named 'name-taken' already exists")
    shot(page, "39-rename-refused")

    page.locator("#rename-name").fill("renamed")
    page.locator("#rename-profile").click()
    wait_at(page, "profile", "name=renamed")
    expect(page.locator("#profile-name")).to_have_text("renamed")
    expect(page.locator(".version-row")).to_have_count(2)
    expect(page.locator(".version-row").first).to_contain_text("Max tokens: 100 → 200")
    with Client(tuner.api, tuner.token("demo")) as client:
        names = {c.profile_name for c in client.send(api.configs()).items}
    assert "renamed" in names
    assert "to-rename" not in names
    # The default profile, which chats start with, offers no rename.
    page.goto(f"{tuner.dashboard}/profile?name=default")
    expect(page.locator("#current-version")).to_be_visible()
    expect(page.locator("#rename-profile")).to_have_count(0)
