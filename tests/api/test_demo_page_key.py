"""The local front page's publishable key follows the demo tenant's widget origins: after the
README's step (adding an origin to ``tenants/demo.toml``) the page must carry a key that works
from that origin, and the key issued for the old origins must stop working."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import msgspec

from openbrain.api.demo_page import demo_widget_key
from openbrain.auth.api_keys import parse_key
from openbrain.domain.tenant import Tenant
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver
from openbrain.tenancy.onboarding import sync_tenants


def test_new_widget_origin_in_the_spec_gets_a_key_that_allows_it(tmp_path: Path) -> None:
    settings = replace(Settings(), stage="local", data_dir=tmp_path / "data",
                       store=f"sqlite:///{tmp_path / 'ob.db'}")
    driver = open_driver(settings)
    try:
        first = Tenant(client_id="demo", name="Demo", widget_origins=["http://127.0.0.1:8000"])
        sync_tenants(driver, [first])
        old_token = demo_widget_key(driver, settings, "demo")
        assert old_token is not None
        assert demo_widget_key(driver, settings, "demo") == old_token  # kept while unchanged

        origins = ["http://127.0.0.1:8000", "http://127.0.0.1:9123"]
        moved = msgspec.structs.replace(first, widget_origins=origins)
        sync_tenants(driver, [moved])
        new_token = demo_widget_key(driver, settings, "demo")
        assert new_token is not None
        assert new_token != old_token

        store = TenantStore(driver, "demo")
        keys = {k.key_id: k for k in store.api_keys.list()}
        old_id, new_id = parse_key(old_token), parse_key(new_token)
        assert old_id is not None
        assert new_id is not None
        assert not keys[old_id.key_id].active
        assert keys[new_id.key_id].active
        assert sorted(keys[new_id.key_id].allowed_origins) == sorted(moved.widget_origins)
    finally:
        driver.close()

