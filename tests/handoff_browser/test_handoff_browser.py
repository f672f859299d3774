"""Human hand-off end to end, in Chromium: the widget on a tenant's page and the dashboard's
inbox in another browser, against ``ob-tuner`` (embedded API + dashboard) with the model on
the loopback OpenAI-compatible fake.

A visitor asks for a human → the session waits (the operator's inbox announces it) → the
operator takes it in the dashboard → their message appears in the visitor's open widget
within a second, without a reload → the visitor answers and the operator sees it live → the
operator releases it → the agent answers the next message, with the human exchange in its
prompt. The model is never called while a person holds the session.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin_ui.conftest import Tuner, _run_tuner, browser_skip_reason, shot
from tests.agent.fake_llm import Calls, FakeLLM, Text, serving
from tests.axe import AXE_SCRIPT, Audit
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.oidc_issuer import OidcIssuer, serve_issuer

pytestmark = pytest.mark.browser

TENANT = "handoff"
ICE_BREAKER = "Hi! How can I help?"
OPERATOR_SAYS = "Hi, I am Alice from the sales team. How many seats do you need?"
VISITOR_SAYS = "About forty seats, for next month."


class _Site:
    """The tenant's page with the widget's one-line embed, on its own 127.0.0.1 origin."""

    def __init__(self) -> None:
        self.page = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def embed(self, api_url: str, key: str) -> None:
        self.page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Shop</title></head><body><h1>Shop</h1>
<script src="{html.escape(api_url)}/widget.js" data-key="{html.escape(key)}"
        data-profile="default" data-title="Shop assistant" async></script>
</body></html>""".encode()


class World:
    def __init__(self, tuner: Tuner, site: _Site, llm: FakeLLM) -> None:
        self.tuner, self.site, self.llm = tuner, site, llm


@pytest.fixture(name="world", scope="module")
def fx_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if (reason := browser_skip_reason()) is not None:
        pytest.skip(reason)
    from openbrain.cli.tuner import free_port

    site = _Site()
    spec = (f'clientId = "{TENANT}"\nname = "Hand-off test tenant"\n'
            f'widgetOrigins = ["{site.origin}"]\n'
            "[plan]\nrequestsPerMinute = 6000\nkeyRequestsPerMinute = 3000\n"
            "widgetRequestsPerMinute = 600\n")
    port = free_port()
    with serving(FakeLLM()) as llm, \
            serve_issuer(OidcIssuer(redirect_uris=[f"http://127.0.0.1:{port}/"])) as issuer:
        # Streams end every 3 s here (minutes on a stage): the widget's reconnections with
        # Last-Event-ID are part of every step, and of the network drop below.
        env = {"OPENAI_BASE_URL": llm.url, "OPENAI_API_KEY": "test-key",
               "OB_STREAM_POLL": "0.1", "OB_STREAM_MAX_SECONDS": "3"}
        for tuner in _run_tuner(tmp_path_factory, port, issuer, env_extra=env,
                                tenants_extra={TENANT: spec}):
            admin = {"Authorization": f"Bearer {tuner.token(TENANT)}"}
            with httpx.Client(base_url=tuner.api, headers=admin, timeout=30) as http:
                r = http.put("/v1/configs/default", json={
                    "systemMessage": "You help visitors of the shop.",
                    "iceBreaker": ICE_BREAKER, "model": "test-model",
                    "tools": ["connect_with_agent", "update_lead"], "widgetEnabled": True})
                assert r.status_code in (200, 201), r.text
                r = http.post("/v1/keys", json={"kind": "publishable",
                                                "allowedOrigins": [site.origin],
                                                "profiles": ["default"]})
                assert r.status_code == 201, r.text
            site.embed(tuner.api, r.json()["secret"])
            yield World(tuner, site, llm)
    site.server.shutdown()


@pytest.fixture(name="chromium", scope="module")
def fx_chromium(world: World) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _widget(shadow_page: Any, test_id: str) -> Any:
    return shadow_page.locator(f'[data-testid="{test_id}"]')  # Playwright pierces open shadows


def test_visitor_operator_and_agent_hand_the_conversation_round(world: World,
                                                                chromium: Any) -> None:
    visitor_ctx = chromium.new_context(viewport={"width": 1000, "height": 760})
    operator_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    visitor_ctx.set_default_timeout(20_000)
    operator_ctx.set_default_timeout(20_000)
    try:
        visitor, operator = visitor_ctx.new_page(), operator_ctx.new_page()

        # The operator watches the inbox (empty for this tenant).
        operator.goto(f"{world.tuner.dashboard}/")
        operator.locator("#token-input").fill(world.tuner.token(TENANT))
        operator.locator("#sign-in").click()
        expect(operator.locator("#nav-inbox")).to_be_visible()
        operator.locator("#nav-inbox").click()
        expect(operator.locator("#inbox-table")).to_be_visible()

        # The visitor opens the widget and asks for a person: the session now waits.
        visitor.goto(world.site.origin + "/")
        _widget(visitor, "ob-bubble").click()
        expect(_widget(visitor, "ob-message").first).to_have_text(ICE_BREAKER)
        world.llm.then(Calls([("connect_with_agent", {"reason": "asks for a person"})]),
                       Text("I have asked a colleague to join us."))
        _widget(visitor, "ob-input").fill("Can I talk to a human, please?")
        _widget(visitor, "ob-send").click()
        expect(_widget(visitor, "ob-status")).to_have_text(
            "Waiting for a team member to join…")
        session_id = _widget(visitor, "ob-panel").get_attribute("data-session-id")
        assert session_id

        # The inbox announces it; the operator opens it and takes it.
        expect(operator.locator("#inbox-arrived")).to_contain_text("New hand-off waiting")
        row = operator.locator(f'.inbox-row[data-session="{session_id}"]')
        expect(row).to_contain_text("Waiting")
        row.locator(".inbox-open").click()
        expect(operator.locator("#inbox-conversation")).to_contain_text(
            "Can I talk to a human, please?")
        calls = len(world.llm.requests)
        operator.locator("#inbox-take").click()
        expect(operator.locator("#inbox-control")).to_have_text("human")
        expect(_widget(visitor, "ob-status")).to_have_text(
            "You are chatting with a team member.")

        # The operator's message reaches the open widget within a second, without a reload.
        operator.locator("#reply-input").fill(OPERATOR_SAYS)
        sent = time.monotonic()
        operator.locator("#reply-send").click()
        human = visitor.locator('[data-testid="ob-message"][data-role="human_agent"]')
        expect(human).to_have_text(OPERATOR_SAYS, timeout=5_000)
        took = time.monotonic() - sent
        assert took < 1.0, f"the operator's message took {took:.2f}s to reach the widget"
        assert human.get_attribute("data-speaker") == "Team member"
        shot(visitor, "handoff-widget-human")
        if AXE_SCRIPT.exists():  # the status line and the team member's bubble, under axe
            audit = Audit()
            audit.check(visitor, "widget with a team member",
                        include='[data-testid="ob-widget"]')
            audit.check(operator, "inbox with a conversation taken",
                        landmarks=("header", "nav", "main"))
            audit.assert_clean()

        # The visitor's network drops for longer than a stream lasts while the operator
        # writes twice (the server ends the open stream, reopening it fails); back online, the
        # widget reconnects with Last-Event-ID: both messages, once each, in order.
        failed: list[str] = []
        visitor.on("requestfailed", lambda r: failed.append(r.url) if "/events" in r.url
                   else None)
        visitor_ctx.set_offline(True)
        operator_api = {"Authorization": f"Bearer {world.tuner.token(TENANT)}"}
        for text in ("Are you still there?", "I can offer a discount for forty seats."):
            r = httpx.post(f"{world.tuner.api}/v1/inbox/{session_id}/messages",
                           json={"message": text}, headers=operator_api, timeout=30)
            assert r.status_code == 201, r.text
        visitor.wait_for_timeout(4000)
        assert failed, "the widget did not try to reopen its stream while offline"
        visitor_ctx.set_offline(False)
        expect(human).to_have_text([OPERATOR_SAYS, "Are you still there?",
                                    "I can offer a discount for forty seats."])
        visitor.wait_for_timeout(3500)  # another reconnection: still nothing repeated
        expect(human).to_have_count(3)

        # The visitor answers; the operator sees it live. The model is not called.
        _widget(visitor, "ob-input").fill(VISITOR_SAYS)
        _widget(visitor, "ob-send").click()
        expect(operator.locator("#inbox-conversation")).to_contain_text(VISITOR_SAYS)
        expect(operator.locator(".inbox-message")).to_have_count(7)  # nothing shown twice
        shot(operator, "handoff-inbox-live")
        assert len(world.llm.requests) == calls

        # Released: the agent answers the next message, knowing what the person said.
        operator.locator("#inbox-release").click()
        expect(_widget(visitor, "ob-status")).to_be_hidden()
        world.llm.then(Text("Forty seats for next month: I will prepare the quote."))
        _widget(visitor, "ob-input").fill("Thanks! What happens next?")
        _widget(visitor, "ob-send").click()
        expect(_widget(visitor, "ob-message").last).to_have_text(
            "Forty seats for next month: I will prepare the quote.")
        prompt = world.llm.last_messages
        assert {"role": "assistant", "name": "human_agent", "content": OPERATOR_SAYS} in prompt
        assert {"role": "user", "content": VISITOR_SAYS} in prompt
    finally:
        visitor_ctx.close()
        operator_ctx.close()
