"""The Litestar app over a :class:`~openbrain.runtime.Runtime`; the deploy runs
``openbrain.api.app:app_from_environment`` (a uvicorn factory)."""

from __future__ import annotations

import asyncio
import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

import anyio.to_thread
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import OpenAPI
from litestar.plugins import PluginProtocol

from openbrain import __version__
from openbrain.api.allow import AllowHeaderMiddleware
from openbrain.api.auth_middleware import AuthenticationMiddleware
from openbrain.api.authn import Authenticator
from openbrain.api.controllers import CONTROLLERS
from openbrain.api.deps import DEPENDENCIES
from openbrain.api.docs import LocalSwaggerPlugin, declare_security
from openbrain.api.guards import check_guarded
from openbrain.api.json_depth import JsonDepthMiddleware
from openbrain.api.limits import SharedLimiter, TokenBudget
from openbrain.api.middleware import RequestContextMiddleware
from openbrain.api.openapi import document_problems, match_structs, parameters_without_null
from openbrain.api.problems import EXCEPTION_HANDLERS
from openbrain.api.services import STATE_KEY, Services
from openbrain.api.strict_body import decode_body_strictly
from openbrain.api.tenant_cache import TenantCache
from openbrain.auth.cognito import CognitoVerifier
from openbrain.auth.jwt_tokens import JwtVerifier
from openbrain.auth.widget_tokens import WidgetTokens
from openbrain.runtime import SERVICE, Runtime

MAX_BODY_BYTES = 256 * 1024


def app_from_environment() -> Litestar:
    """The deployed API: a runtime from the environment's settings (uvicorn ``--factory``)."""
    return create_app(Runtime(profile=SERVICE))


def create_app(runtime: Runtime) -> Litestar:
    """The API over ``runtime``: the app starts it at startup and closes it at shutdown
    (parts handed to the runtime stay their owner's). ``ob serve`` passes an embedded one."""
    settings = runtime.settings
    driver = runtime.driver
    # Read now: a missing tenants folder fails the start, not the first request that routes.
    resolver = runtime.resolver
    tenants = TenantCache(driver)
    widget_tokens = WidgetTokens(settings.jwt_secret)
    services = Services(
        settings=settings,
        driver=driver,
        tenants=tenants,
        authenticator=Authenticator(driver, tenants, JwtVerifier(settings), widget_tokens,
                                    cognito=CognitoVerifier.from_settings(settings.cognito)),
        widget_tokens=widget_tokens,
        limiter=SharedLimiter(),
        budget=TokenBudget(),
        executor_source=lambda: runtime.executor,
        publisher=runtime.publisher,
        tools=runtime.tools,
        inbox=runtime.inbox,
        route_resolver=lambda: resolver,
        deliverer=lambda: runtime.deliverer,
    )

    # Litestar passes the app to hooks that take parameters: these take none.
    async def size_thread_pools() -> None:
        if settings.turn_threads is not None:
            size_worker_threads(settings.turn_threads)

    def start_runtime() -> None:
        runtime.start()
        threading.Thread(target=_prepare_turns, args=(app,), name="ob-prepare-turns",
                         daemon=True).start()

    def close_runtime() -> None:
        runtime.close()

    app = _Litestar(
        route_handlers=CONTROLLERS,
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestContextMiddleware, AllowHeaderMiddleware,
                    DefineMiddleware(JsonDepthMiddleware, max_body_bytes=MAX_BODY_BYTES),
                    AuthenticationMiddleware],
        request_max_body_size=MAX_BODY_BYTES,
        before_request=decode_body_strictly,
        state=_state(services),
        on_startup=[size_thread_pools, start_runtime],
        on_shutdown=[close_runtime],
        openapi_config=OpenAPIConfig(
            title="OpenBrain API",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin(), LocalSwaggerPlugin()],
        ),
        logging_config=None,
        debug=False,
    )
    check_guarded(app)
    # The OpenAPI document is built after start (a fifth of the start's CPU) or when first
    # asked for: by Litestar's plugin, given our additions in place (it adds no state).
    app.plugins.get(OpenAPIPlugin).__class__ = _DocumentedOpenAPIPlugin
    return app


class _Litestar(Litestar):
    """Litestar with only the plugin our types need. Litestar adds its pydantic and attrs
    plugins whenever those packages are installed (LangChain installs pydantic), importing
    pydantic at start; no handler, parameter or response of ours is a pydantic model or an
    attrs class (msgspec structs throughout), so the schema and every answer are the same."""

    @staticmethod
    def _get_default_plugins(plugins: list[PluginProtocol]) -> list[PluginProtocol]:
        from litestar.plugins.core import MsgspecDIPlugin

        plugins.append(MsgspecDIPlugin())
        return plugins


class _DocumentedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, whose document (built on first use, by ``/schema`` or
    ``app.openapi_schema``, and again after a route is added) says what the API does: problem
    responses, Structs that forbid unknown fields, optional parameters that are never null,
    and the bearer credential of every guarded operation."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        document = super()._build_openapi()
        document_problems(document)
        match_structs(document)
        parameters_without_null(document)
        declare_security(document, self.app)
        return document


def size_worker_threads(threads: int) -> None:
    """Let ``threads`` blocking calls run at once in the running loop: anyio's limiter (handlers
    with ``sync_to_thread``) and the loop's default executor (streamed turns)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ob-worker"))


def _prepare_turns(app: Litestar) -> None:
    """Import the turn path (LangChain, the model providers) after the server is up, so that
    ``/healthz`` answers before it and the first turn does not wait for it; build the OpenAPI
    document, so that ``/schema`` (served on the event loop) finds it built unless asked in
    the first second (then both build the same document, and one is kept); then freeze what
    start-up allocated, so the collector never walks those objects again."""
    for module in _TURN_MODULES:
        import_module(module)
    app.openapi_schema  # noqa: B018 (built and cached by Litestar's plugin)
    gc.freeze()


_TURN_MODULES = ("openbrain.agent.executor", "openbrain.agent.providers.openai_compat")


def _state(services: Services) -> Any:
    from litestar.datastructures import State

    return State({STATE_KEY: services})
