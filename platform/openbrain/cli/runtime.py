"""The embedded runtime the CLI uses: the local store, the tenants from ``tenants/``, the demo
tenant's default profile, the in-process event dispatcher and the turn executor."""

from __future__ import annotations

from types import TracebackType

from openbrain.agent.bootstrap import sync_tenants
from openbrain.settings import Settings
from openbrain.store import TenantStore, open_driver


class LocalRuntime:
    """Opened once per command; ``close`` waits for the dispatcher to deliver what is queued."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.driver = open_driver(settings)
        self.tenant_ids = sync_tenants(self.driver, settings)
        # Imported here: the executor brings LangChain, which only chat commands need.
        from openbrain.agent.executor import TurnExecutor
        from openbrain.events.factory import make_publisher

        self.publisher = make_publisher(settings, self.driver)
        self.executor = TurnExecutor(settings=settings, publisher=self.publisher)

    def store(self, client_id: str) -> TenantStore:
        return TenantStore(self.driver, client_id)

    def close(self) -> None:
        stop = getattr(self.publisher, "stop", None)
        if callable(stop):
            stop()
        self.driver.close()

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
