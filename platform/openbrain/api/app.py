"""The Litestar app factory: ``openbrain.api.app:create_app`` (also what the deploy runs)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from openbrain.agent.bootstrap import sync_tenants
from openbrain.agent.executor import TurnExecutor
from openbrain.agent.tools import default_registry
from openbrain.api.auth_middleware import AuthenticationMiddleware
from openbrain.api.authn import Authenticator
from openbrain.api.controllers import CONTROLLERS
from openbrain.api.deps import DEPENDENCIES
from openbrain.api.guards import check_guarded
from openbrain.api.limits import RateLimiter, TokenBudget
from openbrain.api.middleware import RequestContextMiddleware
from openbrain.api.openapi import document_problems
from openbrain.api.problems import EXCEPTION_HANDLERS
from openbrain.api.services import STATE_KEY, Services
from openbrain.api.tenant_cache import TenantCache
from openbrain.auth.jwt_tokens import JwtVerifier
from openbrain.auth.widget_tokens import WidgetTokens
from openbrain.events.factory import make_publisher
from openbrain.events.routes import RouteResolver
from openbrain.settings import Settings, get_settings
from openbrain.store import TableDriver, open_driver
from openbrain.tenancy import build_routing_plan, load_tenants

MAX_BODY_BYTES = 256 * 1024
API_VERSION = "1.0.0"


def create_app(
    settings: Settings | None = None,
    *,
    driver: TableDriver | None = None,
    executor: TurnExecutor | None = None,
    publisher: Any | None = None,
    embedded: bool = False,
) -> Litestar:
    """The API over ``driver`` (opened from settings when not given).

    ``embedded``: also sync ``tenants/`` into the table, ensure each tenant's default profile,
    and run the event publisher (local dispatcher, or EventBridge when configured) for the
    app's lifetime; ``ob serve`` runs this way.
    """
    settings = settings or get_settings()
    owns_driver = driver is None
    if driver is None:
        driver = open_driver(settings)
        driver.setup()
    if embedded:
        sync_tenants(driver, settings)
    owns_publisher = publisher is None and executor is None
    if owns_publisher:
        publisher = make_publisher(settings, driver, start=False)
    tools = executor.tools if executor is not None else default_registry()
    if executor is None:
        executor = TurnExecutor(settings=settings, publisher=publisher, tools=tools)
    tenants = TenantCache(driver)
    widget_tokens = WidgetTokens(settings.jwt_secret)
    services = Services(
        settings=settings,
        driver=driver,
        tenants=tenants,
        authenticator=Authenticator(driver, tenants, JwtVerifier(settings), widget_tokens),
        widget_tokens=widget_tokens,
        limiter=RateLimiter(),
        budget=TokenBudget(),
        executor=executor,
        publisher=publisher,
        tools=tools,
        route_resolver=_resolver_factory(settings, driver),
    )

    def start_publisher() -> None:
        start = getattr(publisher, "start", None)
        if owns_publisher and callable(start):
            start()

    def stop_publisher() -> None:
        stop = getattr(publisher, "stop", None)
        if owns_publisher and callable(stop):
            stop()
        if owns_driver:
            driver.close()

    app = Litestar(
        route_handlers=CONTROLLERS,
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestContextMiddleware, AuthenticationMiddleware],
        request_max_body_size=MAX_BODY_BYTES,
        state=_state(services),
        on_startup=[start_publisher],
        on_shutdown=[stop_publisher],
        openapi_config=OpenAPIConfig(
            title="OpenBrain API",
            version=API_VERSION,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        logging_config=None,
        debug=False,
    )
    check_guarded(app)
    document_problems(app)
    return app


def _resolver_factory(settings: Settings, driver: TableDriver) -> Callable[[], RouteResolver]:
    @functools.cache
    def resolver() -> RouteResolver:
        tenants = load_tenants(settings.tenants_dir) if settings.tenants_dir.is_dir() else []
        return RouteResolver(driver, build_routing_plan(tenants, stage=settings.stage))

    return resolver


def _state(services: Services) -> Any:
    from litestar.datastructures import State

    return State({STATE_KEY: services})
