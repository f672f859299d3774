"""The interactive API docs in Chromium with no network beyond loopback: reached from the
front page, rendered from the files the app serves (no CDN), every operation listed, and
"Try it out" answering with a key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from openbrain.api.app import create_app
from openbrain.auth.issuing import issue_key
from openbrain.domain import ALL_TENANT_SCOPES
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantRepository, TenantStore, open_driver
from tests.api.live import free_port, serve_in_thread
from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


@dataclass(frozen=True)
class Docs:
    url: str
    key: str


@pytest.fixture(name="docs")
def fx_docs(tmp_path: Path) -> Iterator[Docs]:
    port = free_port()
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "demo.toml").write_text(
        f'clientId = "demo"\nname = "Demo tenant"\nwidgetOrigins = ["http://127.0.0.1:{port}"]\n'
    )
    settings = replace(
        Settings(), stage="local", data_dir=tmp_path / "data", tenants_dir=tenants,
        store=f"sqlite:///{tmp_path / 'data' / 'ob.db'}",
    )
    with serve_in_thread(create_app(Runtime(settings, profile=EMBEDDED)), port) as url:
        driver = open_driver(settings)
        try:
            tenant = TenantRepository(driver).get("demo")
            assert tenant is not None
            _, key = issue_key(TenantStore(driver, "demo"), tenant, kind="secret", name="docs",
                               scopes=ALL_TENANT_SCOPES)
        finally:
            driver.close()
        yield Docs(url, key)


def _offline(page: Any) -> list[str]:
    """Abort every request that leaves loopback; the list of those that tried."""
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort("internetdisconnected")

    page.context.route("**/*", route)
    return refused


def test_docs_render_offline_from_the_front_page_and_try_it_out(
    page: Any, docs: Docs, shot: Any
) -> None:
    from playwright.sync_api import expect

    refused = _offline(page)
    page.goto(docs.url + "/")
    page.get_by_role("link", name="Interactive API docs").click()
    expect(page).to_have_url(docs.url + "/schema/swagger")

    schema = httpx.get(docs.url + "/schema/openapi.json").json()
    operations = [op for item in schema["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op]
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations), timeout=20_000)
    for path in ("/v1/chat", "/v1/configs/{name}", "/v1/me", "/healthz"):
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
    shot(page, "operations")

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    dialog.get_by_label("auth-bearer-value").fill(docs.key)
    dialog.get_by_role("button", name="Apply credentials").click()
    dialog.get_by_role("button", name="Close").click()

    me = page.locator("#operations-health-me")
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    status = me.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text("200", timeout=15_000)
    expect(me.locator(".live-responses-table .microlight").first).to_contain_text('"demo"')
    shot(page, "try-it-out")

    assert refused == [], f"the docs page asked beyond loopback: {refused}"
