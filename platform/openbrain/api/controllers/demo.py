"""``GET /``: in the local stage, a page with the first tenant's chat widget; 404 elsewhere."""

from __future__ import annotations

from litestar import Controller, MediaType, get

from openbrain.api.demo_page import demo_widget_key, render_page
from openbrain.api.deps import ServicesDep
from openbrain.api.guards import public
from openbrain.domain.errors import NotFoundError
from openbrain.tenancy import load_tenants


class DemoController(Controller):
    tags = ["health"]

    @get("/", operation_id="demoPage", guards=[public], media_type=MediaType.HTML,
         sync_to_thread=True, include_in_schema=False)
    def demo_page(self, services: ServicesDep) -> str:
        settings = services.settings
        specs = load_tenants(settings.tenants_dir) if settings.stage == "local" else []
        tenant = services.tenants.get(specs[0].client_id) if specs else None
        if tenant is None or tenant.disabled:
            raise NotFoundError("there is no page here; the API is under /v1")
        token = demo_widget_key(services.driver, settings, tenant.client_id)
        return render_page(tenant_name=tenant.name, token=token, origins=tenant.widget_origins)
