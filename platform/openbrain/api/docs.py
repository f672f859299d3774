"""Interactive API docs: Swagger UI at ``/schema/swagger``, from files the wheel ships.

Litestar's renderers load their scripts and styles from a CDN, so the docs would be blank on
a machine without the internet and would hand every visitor's browser to a third party. The
build copies Swagger UI's files from a PyPI package (``hatch_build.py``) into
``openbrain/api/static/swagger/``; this plugin points the page at them and serves them beside
it, under the schema path (which needs no credential). "Authorize" takes an API key or a JWT,
the bearer credential every guarded operation declares (:func:`declare_security`).
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPI, SecurityScheme
from litestar.static_files import create_static_files_router

from openbrain.api.guards import SCHEMA_PATH, is_public

ASSETS_DIR = Path(__file__).resolve().parent / "static" / "swagger"
ASSET_FILES = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css")
DOCS_PATH = f"{SCHEMA_PATH}/swagger"
_ASSETS_PATH = "/swagger-ui"
_SCHEME = "bearer"


class LocalSwaggerPlugin(SwaggerRenderPlugin):
    """Litestar's Swagger UI page with its files served by this app (no CDN, no favicon)."""

    def __init__(self) -> None:
        base = f"{SCHEMA_PATH}{_ASSETS_PATH}"
        super().__init__(
            path="/swagger",
            js_url=f"{base}/swagger-ui-bundle.js",
            css_url=f"{base}/swagger-ui.css",
            standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
            # The default favicon is another CDN link; "data:," stops the browser asking.
            favicon="<link rel='icon' href='data:,'>",
        )

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        router.register(create_static_files_router(
            path=_ASSETS_PATH, directories=[ASSETS_DIR], include_in_schema=False,
            cache_control=None, name="swagger-ui-assets",
        ))


def declare_security(schema: OpenAPI, app: Litestar) -> None:
    """A bearer scheme (an API key or a JWT) on every operation that needs a credential, and
    none on the public ones, so Swagger UI's "Authorize" sends it where it is needed and a
    client or fuzzer knows which operations refuse a request without one."""
    public = {
        handler.operation_id
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(handler, HTTPRouteHandler) and is_public(handler)
    }
    components = schema.components if isinstance(schema.components, Components) else Components()
    components.security_schemes = {
        **(components.security_schemes or {}),
        _SCHEME: SecurityScheme(
            type="http", scheme="bearer",
            description="An API key (ob_sk_... or ob_pk_...) or a JWT from the dashboard's "
                        "sign-in or `ob-admin token`.",
        ),
    }
    schema.components = components
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None and operation.operation_id not in public:
                operation.security = [{_SCHEME: []}]
