"""Fixtures for the widget in a real browser: the real API (uvicorn on 127.0.0.1, temp SQLite
store), static host pages on other 127.0.0.1 ports, and Debian's Chromium through Playwright.

The tenant, its widget-enabled profile (offline model) and its publishable key are written
with the store and auth helpers the API itself uses; the browser then does everything else
over HTTP, exactly as on a tenant's site.
"""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from openbrain.api.app import create_app
from openbrain.auth import mint_key
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.api_key import ApiKey
from openbrain.domain.base import utcnow
from openbrain.domain.tenant import Tenant
from openbrain.runtime import Parts, Runtime
from openbrain.settings import Settings
from openbrain.store import TableDriver, TenantRepository, TenantStore, open_driver
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "widget"
CLIENT_ID = "widget-test"
PROFILE = "support"
WRONG_PROFILE = "sales"
ICE_BREAKER = "Hello from the widget test! How can I help you today?"

# Host page CSS that would wreck an unisolated widget: the Shadow DOM must shrug it off.
HOSTILE_CSS = """
  * { font-family: "Comic Sans MS", cursive !important; }
  button { background: #f0f !important; width: 3px !important; height: 3px !important; }
  div, section, p, textarea { color: #0f0 !important; visibility: visible; }
  [data-testid] { opacity: 0.2 !important; }
"""


@dataclass(frozen=True)
class WidgetEnv:
    """What the tests need to reach: URLs, the key, and the store to check what happened."""

    api_url: str
    allowed_url: str
    """A page on an origin the key allows."""
    foreign_url: str
    """A page on an origin no tenant allows (the CORS preflight is refused)."""
    other_key_url: str
    """A page on an origin the tenant allows for another key, but not for this one."""
    wrong_profile_url: str
    """A page on the allowed origin asking for a profile the key may not open."""
    key: str
    driver: TableDriver

    @property
    def store(self) -> TenantStore:
        return TenantStore(self.driver, CLIENT_ID)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _origin(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def host_page(api_url: str, key: str, title: str, profile: str = PROFILE) -> bytes:
    """A tenant's page: some content, hostile CSS, and the one-line embed."""
    src = html.escape(f"{api_url}/widget.js")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{HOSTILE_CSS}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>A tenant's page with the OpenBrain widget embedded by one script tag.</p>
<script src="{src}" data-key="{html.escape(key)}" data-profile="{html.escape(profile)}"
        data-title="Test assistant" async></script>
</body></html>
""".encode()


class _PageServer:
    """Serves HTML pages (path → page) from 127.0.0.1: a tenant's site."""

    def __init__(self, sock: socket.socket, pages: dict[str, bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
        self._server.socket.close()
        self._server.socket = sock
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _ApiServer:
    """The real Litestar app in uvicorn, on a pre-bound socket, in a background thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def __enter__(self) -> _ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _seed(driver: TableDriver, *, allowed: str, other: str) -> str:
    """The tenant (both page origins may run widgets), the profile and this test's key, which
    allows ``allowed`` only. Returns the publishable key (shown once, like the API does)."""
    TenantRepository(driver).save(
        Tenant(client_id=CLIENT_ID, name="Widget test tenant", widget_origins=[allowed, other])
    )
    store = TenantStore(driver, CLIENT_ID)
    store.configs.save(
        PROFILE,
        AgentSettings(
            system_message="You help visitors of the test site.",
            ice_breaker=ICE_BREAKER,
            model="offline",
            tools=["capture_lead", "update_lead"],
            widget_enabled=True,
        ),
    )
    key_id, token, secret_hash = mint_key(CLIENT_ID, "publishable")
    store.api_keys.create(
        ApiKey(
            client_id=CLIENT_ID,
            key_id=key_id,
            kind="publishable",
            name="widget test",
            allowed_origins=[allowed],
            profiles=[PROFILE],
            secret_hash=secret_hash,
            created_at=utcnow(),
        )
    )
    return token


@pytest.fixture(scope="package")
def widget_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetEnv]:
    tmp = tmp_path_factory.mktemp("widget")
    (tmp / "tenants").mkdir()
    settings = Settings(store=f"sqlite:///{tmp / 'openbrain.db'}", tenants_dir=tmp / "tenants",
                        openai_api_key=None, openai_base_url=None, event_bus_name=None)
    driver = open_driver(settings)
    driver.setup()
    api_sock, allowed_sock, foreign_sock, other_sock = (_listening_socket() for _ in range(4))
    api_url = _origin(api_sock)
    key = _seed(driver, allowed=_origin(allowed_sock), other=_origin(other_sock))
    app = create_app(Runtime(settings, parts=Parts(driver=driver)))
    with (
        _ApiServer(app, api_sock),
        _PageServer(allowed_sock, {
            "/": host_page(api_url, key, "Allowed site"),
            "/wrong-profile.html": host_page(api_url, key, "Wrong profile", WRONG_PROFILE),
        }),
        _PageServer(foreign_sock, {"/": host_page(api_url, key, "Foreign site")}),
        _PageServer(other_sock, {"/": host_page(api_url, key, "Sister site")}),
    ):
        yield WidgetEnv(
            api_url=api_url,
            allowed_url=_origin(allowed_sock) + "/",
            foreign_url=_origin(foreign_sock) + "/",
            other_key_url=_origin(other_sock) + "/",
            wrong_profile_url=_origin(allowed_sock) + "/wrong-profile.html",
            key=key,
            driver=driver,
        )
    driver.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (empty localStorage) per test."""
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """``shot(page, "step")`` saves ``test-artifacts/widget/<test>-NN-step.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page: Any, step: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        path = ARTIFACTS / f"{name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path))
        return path

    return take
