"""``GET /``: in the local stage, a page with the demo tenant's chat widget; 404 elsewhere."""

from __future__ import annotations

import os

from litestar import Controller, MediaType, get

from openbrain.api.demo_page import demo_widget_key, render_page
from openbrain.api.deps import ServicesDep
from openbrain.api.guards import public
from openbrain.api.services import Services
from openbrain.domain.errors import NotFoundError
from openbrain.domain.tenant import Tenant
from openbrain.settings import Settings
from openbrain.tenancy import load_tenants


def _front_tenant(settings: Settings, services: Services) -> Tenant | None:
    """``OB_TENANT`` (default ``demo``, as for the CLI) if it has a spec; else the first spec."""
    specs = {t.client_id: t for t in load_tenants(settings.tenants_dir)}
    wanted = os.environ.get("OB_TENANT", "demo")
    chosen = wanted if wanted in specs else next(iter(sorted(specs)), None)
    return services.tenants.get(chosen) if chosen else None


class DemoController(Controller):
    tags = ["health"]

    @get("/", operation_id="demoPage", guards=[public], media_type=MediaType.HTML,
         sync_to_thread=True, include_in_schema=False)
    def demo_page(self, services: ServicesDep) -> str:
        settings = services.settings
        tenant = _front_tenant(settings, services) if settings.stage == "local" else None
        if tenant is None or tenant.disabled:
            raise NotFoundError("there is no page here; the API is under /v1")
        token = demo_widget_key(services.driver, settings, tenant.client_id)
        return render_page(tenant_name=tenant.name, token=token, origins=tenant.widget_origins)
