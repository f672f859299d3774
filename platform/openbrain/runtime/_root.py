"""The :class:`Runtime`: parts built once, on first use, in dependency order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

from openbrain.agent.inbox import Inbox
from openbrain.agent.tools import ToolRegistry, default_registry
from openbrain.domain.tenant import Tenant
from openbrain.events.delivery import EventDeliverer
from openbrain.events.dispatcher import LocalDispatcher
from openbrain.events.factory import ManagedPublisher, bus_publisher
from openbrain.events.routes import RouteResolver
from openbrain.events.targets import default_targets
from openbrain.logs import LogSetup
from openbrain.runtime._profiles import SERVICE, Parts, Profile
from openbrain.settings import Settings, get_settings, user_tenants_dir
from openbrain.store import TableDriver, TenantStore, open_driver
from openbrain.tenancy import RoutingPlan, build_routing_plan, load_tenants
from openbrain.tenancy.folder import open_tenants_dir
from openbrain.tenancy.onboarding import sync_tenants

if TYPE_CHECKING:
    from openbrain.agent.executor import TurnExecutor

T = TypeVar("T")


class _Once(Generic[T]):
    """A part built on first use, at most once: API request threads may race for it."""

    def __init__(self, lock: threading.RLock, build: Callable[[], T]) -> None:
        self._lock = lock
        self._build = build
        self._box: list[T] = []

    @property
    def built(self) -> bool:
        return bool(self._box)

    def get(self) -> T:
        with self._lock:
            if not self._box:
                self._box.append(self._build())
            return self._box[0]


class Runtime:
    """Everything an entry point runs on. Use it as a context manager (or call :meth:`close`);
    :meth:`start` runs the publisher's background work (the embedded dispatcher)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        profile: Profile = SERVICE,
        logs: LogSetup | None = None,
        parts: Parts | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.profile = profile
        (logs or self._configured_logs()).apply()
        self._parts = parts or Parts()
        lock = threading.RLock()
        self._lock = lock
        self._driver = _Once(lock, self._open_driver)
        self._tenants = _Once(lock, self._load_tenants)
        self._plan = _Once(lock, lambda: build_routing_plan(self.tenants,
                                                            stage=self.settings.stage))
        self._resolver = _Once(lock, lambda: RouteResolver(self.driver, self.plan))
        self._deliverer = _Once(lock, self._build_deliverer)
        self._publisher = _Once(lock, self._build_publisher)
        self._tools = _Once(lock, self._build_tools)
        self._executor = _Once(lock, self._build_executor)
        self._inbox = _Once(lock, lambda: Inbox(publisher=self.publisher,
                                                session_ttl_days=self.settings.session_ttl_days))
        self._started = self._closed = False
        if profile.sync_tenants:
            try:
                self.sync_tenants()
            except BaseException:
                self.close()
                raise

    # -- parts, in build order ----------------------------------------------------------------

    @property
    def driver(self) -> TableDriver:
        return self._driver.get()

    @property
    def tenants(self) -> list[Tenant]:
        """The tenant specs of ``settings.tenants_dir``; a missing folder is an error."""
        return self._tenants.get()

    @property
    def plan(self) -> RoutingPlan:
        """This stage's routing plan: the one way the runtime reads it."""
        return self._plan.get()

    @property
    def resolver(self) -> RouteResolver:
        return self._resolver.get()

    @property
    def deliverer(self) -> EventDeliverer:
        return self._deliverer.get()

    @property
    def publisher(self) -> ManagedPublisher:
        return self._publisher.get()

    @property
    def tools(self) -> ToolRegistry:
        return self._tools.get()

    @property
    def executor(self) -> TurnExecutor:
        return self._executor.get()

    @property
    def inbox(self) -> Inbox:
        """Operators' actions on sessions in hand-off."""
        return self._inbox.get()

    def store(self, client_id: str) -> TenantStore:
        return TenantStore(self.driver, client_id)

    def sync_tenants(self) -> list[str]:
        """Write the tenant specs into the table (each with a default profile); their ids."""
        return sync_tenants(self.driver, self.tenants)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the publisher (unless it was handed in); a second call does nothing."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if self._parts.publisher is None:
            self.publisher.start()

    def close(self, timeout: float = 10.0) -> None:
        """Finish the executor's queued compactions and stop the publisher it started (each
        within ``timeout``), then close the driver it opened; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._executor.built and self._parts.executor is None:
            self.executor.close(timeout)
        if self._started and self._publisher.built and self._parts.publisher is None:
            self.publisher.stop(timeout)
        if self._driver.built and self._parts.driver is None:
            self.driver.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- builders -------------------------------------------------------------------------------

    def _configured_logs(self) -> LogSetup:
        if self.profile.console_logs:
            return LogSetup.console(self.settings.log_level)
        return LogSetup.service(self.settings.log_level, json=self.settings.log_json)

    def _load_tenants(self) -> list[Tenant]:
        directory = self.settings.tenants_dir
        return load_tenants(
            open_tenants_dir(directory, user_default=directory == user_tenants_dir())
        )

    def _open_driver(self) -> TableDriver:
        if self._parts.driver is not None:
            return self._parts.driver
        driver = open_driver(self.settings)
        if self.profile.create_table and not self.settings.table_owned_by_deploy:
            driver.setup()
        return driver

    def _build_deliverer(self) -> EventDeliverer:
        targets = default_targets(aws_mode=self.settings.aws_mode)
        return EventDeliverer(self.driver, self.resolver, targets)

    def _build_publisher(self) -> ManagedPublisher:
        if self._parts.publisher is not None:
            return self._parts.publisher
        settings = self.settings
        if settings.event_bus_name:
            return bus_publisher(settings.event_bus_name, self.driver,
                                 region=settings.aws_region, endpoint=settings.events_endpoint)
        return LocalDispatcher(self.driver, self.deliverer,
                               sweep_interval=self.profile.sweep_interval)

    def _build_tools(self) -> ToolRegistry:
        if self._parts.tools is not None:
            return self._parts.tools
        if self._parts.executor is not None:
            return self._parts.executor.tools
        return default_registry()

    def _build_executor(self) -> TurnExecutor:
        if self._parts.executor is not None:
            return self._parts.executor
        # Imported here: LangChain takes about a second, and only chat needs it.
        from openbrain.agent.executor import TurnExecutor

        return TurnExecutor(settings=self.settings, publisher=self.publisher, tools=self.tools)
