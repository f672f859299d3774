"""Spec syncs (``ob-admin tenants sync``, embedded start) keep what a platform admin set
through the API: a tenant disabled there stays disabled until the API enables it (the probe
saw the next sync undo it). A spec's ``disabled = true`` disables it whatever the API says."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.auth.jwt_tokens import mint_token
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantRepository
from tests.api.conftest import make_settings


def admin(settings: Settings) -> dict[str, str]:
    token = mint_token(settings, client_id=None, role="platform-admin", ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def disabled_after_sync(settings: Settings) -> bool:
    """Start an embedded runtime (it syncs the specs) and read the tenant back."""
    with Runtime(settings, profile=EMBEDDED) as runtime:
        tenant = TenantRepository(runtime.driver).require("beta")
        return tenant.disabled


def disable_through_api(settings: Settings) -> None:
    with TestClient(create_app(Runtime(settings, profile=EMBEDDED))) as client:
        r = client.post("/v1/tenants/beta/disable", headers=admin(settings))
        assert r.status_code == 200, r.text


def enable_as_admin(settings: Settings) -> None:
    """The API has no enable route; operators enable through the same repository call."""
    with Runtime(settings) as runtime:
        TenantRepository(runtime.driver).set_disabled("beta", False)


def test_a_tenant_disabled_through_the_api_stays_disabled_across_syncs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    disable_through_api(settings)
    assert disabled_after_sync(settings)
    assert disabled_after_sync(settings)
    enable_as_admin(settings)
    assert not disabled_after_sync(settings)


def test_a_spec_that_disables_wins_over_an_api_enable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    spec = settings.tenants_dir / "beta.toml"
    spec.write_text(spec.read_text().replace('name = "beta tenant"\n',
                                             'name = "beta tenant"\ndisabled = true\n'))
    assert disabled_after_sync(settings)
    enable_as_admin(settings)
    assert disabled_after_sync(settings)
