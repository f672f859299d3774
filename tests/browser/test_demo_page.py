"""The local stage's front page: open ``/`` in Chromium and chat with the demo tenant's agent,
with no setup at all (the publishable key is issued on first use and kept)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
from tests.api.live import free_port, serve_in_thread
from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(name="local_server")
def fx_local_server(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
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
        yield url, settings


def _data_key(page: Any) -> str:
    key = page.locator("script[data-key]").get_attribute("data-key")
    assert key
    return str(key)


def test_front_page_chats_out_of_the_box(page: Any, local_server: tuple[str, Settings],
                                         shot: Any) -> None:
    from playwright.sync_api import expect

    url, settings = local_server
    page.goto(url + "/")
    expect(page.get_by_role("heading", name="OpenBrain")).to_be_visible()
    key = _data_key(page)
    assert re.fullmatch(r"ob_pk_demo_[0-9A-Z]{26}_[A-Za-z0-9_-]+", key)

    page.get_by_test_id("ob-bubble").click()
    messages = page.get_by_test_id("ob-message")
    expect(messages).to_have_count(1)
    field = page.get_by_test_id("ob-input")
    field.fill("Hi, I am Jane Doe, jane@example.com")
    field.press("Enter")
    expect(page.locator('[data-testid="ob-message"][data-role="assistant"]:not([data-streaming])')
           ).to_have_count(2)
    shot(page, "front-page-chat")

    driver = open_driver(settings)
    try:
        store = TenantStore(driver, "demo")
        leads, _ = store.leads.list()
        assert [lead.email for lead in leads] == ["jane@example.com"]
        (demo_key,) = store.api_keys.list()
        assert demo_key.kind == "publishable"
        assert demo_key.allowed_origins == [url]

        # The same key serves every later visit; a revoked one is replaced.
        page.reload()
        assert _data_key(page) == key
        store.api_keys.revoke(demo_key.key_id)
        page.reload()
        assert _data_key(page) != key
        assert len(store.api_keys.list()) == 2
    finally:
        driver.close()
    assert oct((settings.data_dir / "widget-key-demo").stat().st_mode & 0o777) == "0o600"


def test_front_page_is_not_found_outside_the_local_stage(
    page: Any, tmp_path: Path
) -> None:
    port = free_port()
    settings = replace(Settings(), stage="dev", data_dir=tmp_path,
                       store=f"sqlite:///{tmp_path / 'ob.db'}")
    with serve_in_thread(create_app(Runtime(settings, profile=EMBEDDED)), port) as url:
        response = page.goto(url + "/")
        assert response is not None
        assert response.status == 404
        assert "application/problem+json" in response.headers["content-type"]


def test_front_page_picks_the_demo_tenant_not_the_first_file(tmp_path: Path) -> None:
    """``acme.toml`` sorts before ``demo.toml``: the page still shows the demo tenant."""
    from litestar.testing import TestClient

    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "acme.toml").write_text(
        'clientId = "acme"\nname = "Acme"\nwidgetOrigins = ["https://www.acme.example"]\n')
    (tenants / "demo.toml").write_text(
        'clientId = "demo"\nname = "Demo tenant"\nwidgetOrigins = ["http://127.0.0.1:8000"]\n')
    settings = replace(Settings(), stage="local", data_dir=tmp_path / "data", tenants_dir=tenants,
                       store=f"sqlite:///{tmp_path / 'ob.db'}")
    with TestClient(create_app(Runtime(settings, profile=EMBEDDED))) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert "Demo tenant" in page.text
    assert "ob_pk_demo_" in page.text
